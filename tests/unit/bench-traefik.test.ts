import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { runLoad } from "../../lab/traffic/run.js";
import {
  addCpuUsed,
  appLabels,
  appRoute,
  benchDynamic,
  benchStatic,
  cpuMsPerRequest,
  runOrder,
  verdict,
} from "../../scripts/bench/traefik-plan.js";
import { schedulerClock } from "../support/clock.js";
import { schemasPresent, validatorFor, withTraefik37Retry } from "../support/schemas.js";

const read = (f: string) => readFileSync(join(REPO_ROOT, f), "utf8");
const ports = { http: 18082, https: 18443, metrics: 18083 };
const route = () =>
  appRoute(appLabels(read("compose/lab.yml")), "lab.localhost", "http://127.0.0.1:18081");

describe("bench:traefik's Traefik: the lab's configuration, on the bench's ports", () => {
  it("keeps the lab's static configuration but the addresses and the Swarm provider", () => {
    const lab = parse(read("traefik/traefik.yml"));
    const bench = parse(benchStatic(read("traefik/traefik.yml"), ports));
    expect(bench.entryPoints.websecure.address).toBe("127.0.0.1:18443");
    expect(bench.entryPoints.web.address).toBe("127.0.0.1:18082");
    expect(bench.entryPoints.metrics.address).toBe("127.0.0.1:18083");
    expect(bench.providers).toEqual({ file: lab.providers.file });
    expect(bench.entryPoints.websecure.http).toEqual(lab.entryPoints.websecure.http);
    expect(bench.accessLog).toEqual(lab.accessLog);
  });

  it("routes to the app with the router's middlewares and the service's transport and health check", () => {
    const r = route();
    expect(r.routers.app).toEqual({
      service: "app",
      rule: "Host(`app.lab.localhost`)",
      entryPoints: ["websecure"],
      middlewares: ["retry@file"],
    });
    expect(r.services.app.loadBalancer).toEqual({
      servers: [{ url: "http://127.0.0.1:18081" }],
      serversTransport: "fast-fail@file",
      healthCheck: { path: "/health/ready", interval: "2s", timeout: "3s" },
    });
  });

  it("refuses a label it does not translate, rather than drop a part of the lab's path", () => {
    const labels = { ...appLabels(read("compose/lab.yml")) };
    labels["traefik.http.routers.app.priority"] = "10";
    expect(() => appRoute(labels, "d", "http://x")).toThrow(/routers\.app\.priority/);
    expect(() => appLabels("services: {}")).toThrow(/no app service/);
  });

  it.skipIf(!schemasPresent)("both files pass Traefik's schemas", () => {
    const stat = validatorFor("traefik-v3.json")(
      parse(benchStatic(read("traefik/traefik.yml"), ports)),
    );
    expect(stat).toEqual([]);
    const dynamic = parse(benchDynamic(read("traefik/dynamic.yml"), route()));
    expect(validatorFor("traefik-v3-file-provider.json", withTraefik37Retry)(dynamic)).toEqual([]);
    expect(Object.keys(dynamic.http.middlewares)).toContain("retry");
  });
});

describe("bench:traefik's arithmetic", () => {
  const run = (rps: number, p95: number, ok = 100) => ({
    ok,
    rps,
    latencyMs: { p50: 1, p95, p99: p95, max: p95 },
  });

  it.each([
    [
      100,
      90,
      10,
      14,
      { throughputRatio: 0.9, p95DeltaMs: 4, throughputMet: true, latencyMet: true },
    ],
    [
      100,
      84,
      10,
      16,
      { throughputRatio: 0.84, p95DeltaMs: 6, throughputMet: false, latencyMet: false },
    ],
    [
      100,
      85,
      10,
      15,
      { throughputRatio: 0.85, p95DeltaMs: 5, throughputMet: true, latencyMet: true },
    ],
  ])("direct %d req/s, Traefik %d; paced p95 %d vs %d ms", (d, t, dp, tp, expected) => {
    const v = verdict(
      { direct: run(d, 300), traefik: run(t, 400) },
      { direct: run(50, dp), traefik: run(50, tp) },
    );
    expect(v).toEqual(expected);
  });

  it("gives no verdict on a side that answered nothing", () => {
    expect(() =>
      verdict(
        { direct: run(100, 1), traefik: run(0, 0, 0) },
        { direct: run(50, 1), traefik: run(50, 1) },
      ),
    ).toThrow(/saturated run had no successful request/);
  });

  it("alternates which side goes first", () => {
    expect(runOrder(3)).toEqual(["direct", "traefik", "traefik", "direct", "direct", "traefik"]);
  });

  it("adds what each part used and divides by the requests", () => {
    const used = {};
    addCpuUsed(used, { app: 1, traefik: 2 }, { app: 2, traefik: 2.5 });
    addCpuUsed(used, { app: 5, traefik: 3 }, { app: 6, traefik: 3.5 });
    expect(cpuMsPerRequest(used, 1000)).toEqual({ app: 2, traefik: 1 });
    expect(() => cpuMsPerRequest(used, 0)).toThrow(/no request/);
  });
});

describe("a paced load", () => {
  it("starts the given number of requests a second across its clients, not more", async () => {
    const r = await runLoad({
      concurrency: 4,
      durationMs: 1000,
      ratePerSecond: 40,
      send: async () => ({ status: 200 }),
    });
    // On the real clock: however fast or slow the machine, no more than the 40 slots of the
    // second (unpaced this is hundreds of thousands). No lower bound: that would time the machine.
    expect(r.requests).toBeGreaterThan(0);
    expect(r.requests).toBeLessThanOrEqual(40);
  });

  it.each([
    [4, 1000, 40, 0, 40],
    [3, 2000, 15, 0, 30],
    // each answer takes 150 ms: a client cannot keep its 100 ms slots, it sends back to back
    [1, 1500, 10, 150, 10],
  ])(
    "on a fake clock: %i clients, %i ms at %i/s, answers in %i ms -> exactly %i requests",
    async (concurrency, durationMs, ratePerSecond, answerMs, expected) => {
      const clock = schedulerClock();
      const starts: number[] = [];
      const r = await runLoad({
        concurrency,
        durationMs,
        ratePerSecond,
        clock,
        send: async () => {
          starts.push(clock.now());
          if (answerMs) await clock.sleep(answerMs);
          return { status: 200 };
        },
      });
      expect(r.requests).toBe(expected);
      // paced evenly: no two requests started closer than the interval allows across clients
      const gaps = starts
        .sort((a, b) => a - b)
        .slice(1)
        .map((t, k) => t - (starts[k] as number));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(answerMs ? 0 : 1000 / ratePerSecond - 1e-9);
    },
  );
});
