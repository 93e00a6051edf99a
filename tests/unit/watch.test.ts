import { renderToString } from "ink";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import type { Clock } from "../../lab/runtime/clock.js";
import { withTimeout } from "../../lab/runtime/clock.js";
import type { Source } from "../../lab/watch/collect.js";
import { viewHeight } from "../../lab/watch/fit.js";
import { buildView, type WatchState } from "../../lab/watch/model.js";
import { WatchScreen } from "../../lab/watch/screen.js";
import { WatchStore } from "../../lab/watch/store.js";
import {
  type RawService,
  type RawSwarmNode,
  type RawTask,
  watchNodes,
  watchServices,
} from "../../lab/watch/swarm.js";

const NOW = Date.parse("2026-11-27T10:00:00Z");
const swarmNode = (id: string, name: string, state = "ready", leader = false): RawSwarmNode => ({
  ID: id,
  Description: { Hostname: name },
  Status: { State: state },
  Spec: { Role: "manager" },
  ...(leader ? { ManagerStatus: { Leader: true } } : {}),
});
const NODES = [
  swarmNode("a", "lab-node-1", "ready", true),
  swarmNode("b", "lab-node-2"),
  swarmNode("c", "lab-node-3", "down"),
];
const service = (id: string, name: string, replicas?: number): RawService => ({
  ID: id,
  Spec: {
    Name: name,
    Mode: replicas === undefined ? { Global: {} } : { Replicated: { Replicas: replicas } },
  },
});
const task = (svc: string, node: string, state: string, desired = "running", ago = 5): RawTask => ({
  ServiceID: svc,
  NodeID: node,
  Slot: 1,
  DesiredState: desired,
  Status: { State: state, Timestamp: new Date(NOW - ago * 1000).toISOString(), Err: "exit 1" },
});

describe("watch: Swarm data", () => {
  it("a node whose container is stopped is down even before Swarm notices", () => {
    const nodes = watchNodes(
      [
        { name: "lab-node-1", running: true },
        { name: "lab-node-2", running: false },
        { name: "lab-node-3", running: true },
      ],
      NODES,
    );
    expect(nodes.map((n) => [n.name, n.running, n.swarm, n.role])).toEqual([
      ["lab-node-1", true, "ready", "manager (leader)"],
      ["lab-node-2", false, "ready", "manager"],
      ["lab-node-3", true, "down", "manager"],
    ]);
    const view = buildView({ ...empty(), nodes }, 100);
    const lines = view.rows[0]?.[0]?.lines ?? [];
    expect(lines.map((l) => l.tone)).toEqual(["ok", "bad", "bad"]);
    expect(lines[1]?.text).toContain("DOWN (stopped)");
    expect(lines[2]?.text).toContain("DOWN (down)");
  });

  it("counts running tasks per node, pending tasks and recent failures as trouble", () => {
    const services = watchServices(
      [service("s1", "lab_app", 3), service("s2", "lab_node-exporter")],
      [
        task("s1", "a", "running"),
        task("s1", "b", "running"),
        task("s1", "b", "starting"),
        task("s1", "c", "failed", "shutdown", 10),
        task("s1", "c", "failed", "shutdown", 300), // too old to count
        task("s2", "a", "running"),
        task("s2", "b", "running"),
      ],
      NODES,
      NOW,
    );
    expect(services[0]).toEqual({
      name: "app",
      running: 2,
      desired: 3,
      perNode: { "lab-node-1": 1, "lab-node-2": 1 },
      trouble: ["task 1 starting on lab-node-2", "1 failed in 60 s (exit 1)"],
    });
    // global: one per ready node (lab-node-3 is down)
    expect(services[1]).toMatchObject({
      name: "node-exporter",
      running: 2,
      desired: 2,
      trouble: [],
    });
  });
});

function empty(): WatchState {
  return { lab: "lab", at: NOW, traffic: [], trafficSource: "prometheus", phases: [], errors: {} };
}

describe("watch: the view", () => {
  it("shows a missing primary, firing alerts, an unreadable source, and draws the traffic", () => {
    const state: WatchState = {
      ...empty(),
      database: [
        {
          name: "pg1",
          role: "replica",
          state: "stopped",
          lag: null,
          timeline: 3,
          node: "lab-node-1",
        },
        {
          name: "pg2",
          role: "replica",
          state: "streaming",
          lag: 0,
          timeline: 3,
          node: "lab-node-2",
        },
      ],
      alerts: [{ name: "PostgresNoPrimary", severity: "critical", sinceS: 12 }],
      errors: { backup: "Prometheus: HTTP 502" },
      traffic: Array.from({ length: 30 }, (_, i) => ({
        at: NOW + i * 1000,
        okPerS: i < 20 ? 100 : 0,
        failedPerS: i < 20 ? 0 : 40,
      })),
    };
    const view = buildView(state, 100);
    const text = renderToString(createElement(WatchScreen, { view }), { columns: 100 });
    expect(text).toContain("no primary: writes wait for a promotion");
    expect(text).toContain("critical  PostgresNoPrimary (12 s)");
    expect(text).toContain("cannot read: Prometheus: HTTP 502");
    expect(text).toContain("now 0.0 ok/s, 40.0 failed/s");
    expect(view.chart.length).toBe(7); // height 6 + the zero line
    expect(view.chart.join("\n")).toMatch(/100/);
    expect(text.includes("\u001b[")).toBe(false); // no colour when asked for none
  });

  it("with nothing read yet, says so instead of showing an empty lab", () => {
    const view = buildView(empty(), 80);
    expect(
      view.rows
        .flat()
        .every((s) => s.title.startsWith("Traffic") || s.lines[0]?.text === "reading..."),
    ).toBe(true);
    expect(view.chart).toEqual(["(waiting for traffic samples)"]);
  });
});

function fakeClock(): Clock {
  let t = NOW;
  const waiting: Array<{ at: number; resolve: () => void }> = [];
  return {
    now: () => t,
    sleep(ms, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        waiting.push({ at: t + ms, resolve });
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    },
    // advance: resolve sleepers whose time has come
    ...{
      advance(ms: number) {
        t += ms;
        for (const w of waiting.filter((x) => x.at <= t)) w.resolve();
      },
    },
  } as Clock & { advance(ms: number): void };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("watch: the view fits the terminal", () => {
  const crowded: WatchState = {
    ...empty(),
    nodes: ["lab-node-1", "lab-node-2", "lab-node-3"].map((name) => ({
      name,
      running: true,
      swarm: "ready",
      role: "manager",
    })),
    services: Array.from({ length: 20 }, (_, i) => ({
      name: `svc${i}`,
      running: 1,
      desired: 1,
      perNode: { "lab-node-1": 1 },
      trouble: [`2 failed in 60 s (task: non-zero exit (255))`],
    })),
    alerts: Array.from({ length: 9 }, (_, i) => ({
      name: `Alert${i}`,
      severity: "warning",
      sinceS: i,
    })),
    phases: Array.from({ length: 30 }, (_, i) => `phase ${i}`),
    traffic: Array.from({ length: 40 }, (_, i) => ({ at: NOW + i, okPerS: i, failedPerS: 0 })),
  };

  it.each([45, 30])(
    "a crowded lab in %i rows: lists shortened, newest drill lines kept, nothing lost silently",
    (rows) => {
      const view = buildView(crowded, 120, false, rows);
      expect(viewHeight(view)).toBeLessThanOrEqual(rows - 1);
      const text = renderToString(createElement(WatchScreen, { view }), { columns: 120 });
      expect(text.split("\n").length).toBeLessThanOrEqual(rows - 1); // what Ink draws, not just the estimate
      const section = (t: string) =>
        view.rows
          .flat()
          .find((s) => s.title === t)
          ?.lines.map((l) => l.text) ?? [];
      expect(section("Drill").at(-1)).toBe("phase 29");
      expect(section("Drill")[0]).toMatch(/^… \d+ more$/);
      expect(section("Tasks starting or failing").at(-1)).toMatch(/^… \d+ more$/);
      expect(section("Nodes")).toHaveLength(3); // never shortened
    },
  );

  it("a terminal far too small: the services and members lists shorten too", () => {
    const view = buildView(crowded, 120, false, 26);
    expect(viewHeight(view)).toBeLessThanOrEqual(25);
    const services = view.rows.flat().find((s) => s.title.startsWith("Services"))?.lines ?? [];
    expect(services.at(-1)?.text).toMatch(/^… \d+ more$/);
  });

  it("a lab that fits is not touched", () => {
    const view = buildView(
      { ...crowded, services: [], alerts: [], phases: ["one"] },
      120,
      false,
      45,
    );
    expect(view.chart).toHaveLength(7);
    expect(view.rows.flat().some((s) => s.lines.some((l) => l.text.startsWith("…")))).toBe(false);
  });
});

describe("watch: the store", () => {
  it("turns a drill's requests into one point per second and keeps a source's error apart", async () => {
    const clock = fakeClock() as Clock & { advance(ms: number): void };
    const store = new WatchStore("lab", clock, "drill");
    const failing: Source = {
      name: "database",
      everyMs: 2000,
      read: async () => {
        throw new Error("no member answers\nstack");
      },
    };
    const nodes: Source = {
      name: "nodes",
      everyMs: 1000,
      read: async () => ({
        nodes: [{ name: "n1", running: true, swarm: "ready", role: "manager" }],
      }),
    };
    store.start([failing, nodes]);
    for (let i = 0; i < 5; i++) store.sample(true);
    store.sample(false);
    await flush();
    clock.advance(1000);
    await flush();
    expect(store.state.traffic).toEqual([{ at: NOW + 1000, okPerS: 5, failedPerS: 1 }]);
    expect(store.state.errors).toEqual({ database: "no member answers" });
    expect(store.state.nodes?.[0]?.name).toBe("n1");
    clock.advance(1000);
    await flush();
    expect(store.state.traffic.at(-1)).toEqual({ at: NOW + 2000, okPerS: 0, failedPerS: 0 });
    store.close();
  });

  it("a source that hangs times out with its name, the others go on", async () => {
    const clock = fakeClock() as Clock & { advance(ms: number): void };
    const hanging = withTimeout("Patroni", 3000, new Promise<never>(() => {}), clock);
    clock.advance(3000);
    await expect(hanging).rejects.toThrow("Patroni did not finish within 3 s");
  });
});
