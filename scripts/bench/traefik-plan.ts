/**
 * Pure: what `npm run bench:traefik` runs and how it reads the result. The pair differs only by
 * Traefik: one app process, one database, one load generator; run B goes through the lab's
 * Traefik image with the lab's static and dynamic configuration and the app's router and service
 * as compose/lab.yml labels them, translated to the file provider.
 */
import { parse, stringify } from "yaml";
import type { LoadSummary } from "../../lab/traffic/stats.js";

export interface BenchPorts {
  http: number;
  https: number;
  metrics: number;
}

type Yaml = Record<string, Record<string, Record<string, unknown>>>;

/** The lab's traefik.yml on the bench's ports, the file provider only (no Swarm to watch). */
export function benchStatic(labStatic: string, ports: BenchPorts): string {
  const config = parse(labStatic) as Yaml;
  const entryPoints = config.entryPoints ?? {};
  const address = { web: ports.http, websecure: ports.https, metrics: ports.metrics };
  for (const [name, port] of Object.entries(address)) {
    const entryPoint = entryPoints[name];
    if (!entryPoint) throw new Error(`traefik.yml has no entry point ${name}`);
    entryPoint.address = `127.0.0.1:${port}`;
  }
  if (!config.providers?.swarm || !config.providers.file)
    throw new Error("traefik.yml no longer has a swarm and a file provider");
  delete config.providers.swarm;
  return stringify(config);
}

const ROUTER = "traefik.http.routers.app.";
const SERVICE = "traefik.http.services.app.loadbalancer.";

/**
 * The app's router and load balancer from its Swarm labels, as the file provider spells them,
 * sending to `appUrl`. A label this does not know fails: the bench must not silently drop a part
 * of the lab's path (the `app-login` router, a rate limit on one path, is not on the bench's).
 */
export function appRoute(labels: Record<string, string>, domain: string, appUrl: string) {
  const router: Record<string, unknown> = { service: "app" };
  const loadBalancer: Record<string, unknown> = { servers: [{ url: appUrl }] };
  const healthCheck: Record<string, string> = {};
  const list = (v: string) => v.split(",").map((s) => s.trim());
  for (const [key, raw] of Object.entries(labels)) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's variable, filled in here
    const value = raw.replaceAll("${DOMAIN}", domain);
    if (key.startsWith(ROUTER)) {
      const field = key.slice(ROUTER.length);
      if (field === "rule") router.rule = value;
      else if (field === "entrypoints") router.entryPoints = list(value);
      else if (field === "middlewares") router.middlewares = list(value);
      else throw new Error(`bench:traefik does not translate the label ${key}`);
    } else if (key.startsWith(SERVICE)) {
      const field = key.slice(SERVICE.length);
      if (field === "server.port") continue; // the bench's app listens where appUrl says
      if (field === "serversTransport") loadBalancer.serversTransport = value;
      else if (field.startsWith("healthcheck.")) healthCheck[field.slice(12)] = value;
      else throw new Error(`bench:traefik does not translate the label ${key}`);
    }
  }
  if (!router.rule) throw new Error("the app's labels have no router rule");
  if (Object.keys(healthCheck).length > 0) loadBalancer.healthCheck = healthCheck;
  return { routers: { app: router }, services: { app: { loadBalancer } } };
}

/** The app service's deploy labels in compose/lab.yml. */
export function appLabels(composeText: string): Record<string, string> {
  const compose = parse(composeText) as {
    services?: Record<string, { deploy?: { labels?: Record<string, string> } }>;
  };
  const labels = compose.services?.app?.deploy?.labels;
  if (!labels) throw new Error("compose/lab.yml has no app service with deploy labels");
  return labels;
}

/** The lab's dynamic.yml with the app's router and service added. */
export function benchDynamic(labDynamic: string, route: ReturnType<typeof appRoute>): string {
  const config = parse(labDynamic) as { http: Record<string, unknown> };
  config.http = { ...config.http, ...route };
  return stringify(config);
}

/** CPU seconds of each part (processes, the load generator, the whole machine) at one moment. */
export type CpuCounters = Record<string, number>;

/** What each part used between two readings, added to `into`. */
export function addCpuUsed(into: CpuCounters, before: CpuCounters, after: CpuCounters): void {
  for (const [part, end] of Object.entries(after))
    into[part] = (into[part] ?? 0) + end - (before[part] ?? end);
}

/** CPU milliseconds per request of each part: where the time of one request goes. */
export function cpuMsPerRequest(used: CpuCounters, requests: number): Record<string, number> {
  if (requests <= 0) throw new Error("no request was made: no CPU per request");
  return Object.fromEntries(
    Object.entries(used).map(([part, s]) => [part, Math.round((s * 1000 * 100) / requests) / 100]),
  );
}

export interface PairVerdict {
  throughputRatio: number;
  p95DeltaMs: number;
  throughputMet: boolean;
  latencyMet: boolean;
}

export const GOALS = { minThroughputRatio: 0.85, maxP95DeltaMs: 5 };

type Run = Pick<LoadSummary, "ok" | "rps" | "latencyMs">;
type Pair = { direct: Run; traefik: Run };

/**
 * Throughput from the closed-loop runs (each side as fast as it goes); latency from the paced
 * runs (the same offered load on both sides, below saturation): at saturation a latency is only
 * clients / throughput, and would count the throughput loss twice.
 */
export function verdict(saturated: Pair, paced: Pair): PairVerdict {
  for (const [name, pair] of Object.entries({ saturated, paced }))
    if (pair.direct.ok === 0 || pair.traefik.ok === 0)
      throw new Error(
        `a ${name} run had no successful request (direct ${pair.direct.ok}, traefik ${pair.traefik.ok})`,
      );
  const throughputRatio = Math.round((saturated.traefik.rps / saturated.direct.rps) * 1000) / 1000;
  const p95DeltaMs =
    Math.round((paced.traefik.latencyMs.p95 - paced.direct.latencyMs.p95) * 10) / 10;
  return {
    throughputRatio,
    p95DeltaMs,
    throughputMet: throughputRatio >= GOALS.minThroughputRatio,
    latencyMet: p95DeltaMs <= GOALS.maxP95DeltaMs,
  };
}

/**
 * The order of the runs: rounds alternate which side goes first (A B, B A, ...), so a drift of
 * the machine over the run (a warming cache, a background job) falls on both sides alike.
 */
export function runOrder(rounds: number): Array<"direct" | "traefik"> {
  const order: Array<"direct" | "traefik"> = [];
  for (let r = 0; r < rounds; r++)
    order.push(
      ...(r % 2 === 0 ? (["direct", "traefik"] as const) : (["traefik", "direct"] as const)),
    );
  return order;
}
