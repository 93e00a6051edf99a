/**
 * Kill one app task under load and watch it replaced. With SIGTERM (a graceful stop) no request
 * may fail: the task finishes what it serves and Traefik retries the connections it refuses.
 * With SIGKILL (a crash, the default) the requests in flight on that task die with it, since
 * Traefik retries only connections, not requests a server received, and a few more sent to its
 * address before the health check (every 2 s) removes it can fail after their retries: the
 * budget is two requests per client routed to that task.
 */

import { secondsUntil } from "../core/swarm.js";
import { runningTasks } from "../core/tasks.js";
import { longestOutage } from "./analysis.js";
import { ledgerCheck, trace, trafficMeasures, underTraffic } from "./scenario.js";
import type { Drill } from "./types.js";

export const appReplica: Drill = {
  name: "app-replica",
  summary: "kill one app task under load: 0 failed requests, the task replaced",
  async run(ctx) {
    const { lab } = ctx;
    const service = `${lab.config.name}_app`;
    let replacedS: number | null = null;
    let victim = "";
    const signal = ctx.opts.signal ?? "KILL";
    const clients = ctx.opts.writers + ctx.opts.readers;
    const budget = signal === "TERM" ? 0 : Math.ceil((2 * clients) / lab.config.app.replicas);
    const startedAt = new Date().toISOString();
    const result = await underTraffic(ctx, async (mark) => {
      const engine = lab.managerExcept();
      const tasks = await runningTasks(engine, service);
      const task = tasks[0];
      if (!task) throw new Error(`no running task of ${service}`);
      const node = lab.nodes.find((n) => n.name === task.node);
      if (!node) throw new Error(`task ${task.id} runs on ${task.node}, not a lab node`);
      await lab.driver
        .engine(node)
        .getContainer(task.container)
        .kill({ signal: `SIG${signal}` });
      victim = `${task.id.slice(0, 12)} on ${task.node}`;
      mark(`SIG${signal} to app task ${victim}`);
      replacedS = await secondsUntil(
        async () => {
          const now = await runningTasks(engine, service);
          return now.length >= lab.config.app.replicas && !now.some((t) => t.id === task.id);
        },
        60_000,
        ctx.signal,
      );
      mark(
        replacedS === null ? "task NOT replaced within 60 s" : `task replaced after ${replacedS} s`,
      );
    });
    const { writes, reads } = result.traffic;
    const failed = writes.failed + reads.failed;
    return {
      drill: "app-replica",
      startedAt,
      measures: {
        victim,
        signal,
        ...trafficMeasures(result),
        taskReplacedS: replacedS,
        longestWriteGapS: longestOutage(writes.samples, result.faultMs),
        writeP99Ms: writes.latencyMs.p99,
      },
      checks: [
        {
          name:
            signal === "TERM"
              ? "no failed request"
              : `failed requests only those sent to the crashed task (<= ${budget})`,
          ok: failed <= budget,
          detail: `${failed} failed of ${writes.requests + reads.requests} (writes ${JSON.stringify(writes.outcomes)}, reads ${JSON.stringify(reads.outcomes)})`,
        },
        { name: "task replaced", ok: replacedS !== null, detail: `${replacedS ?? "not"} s` },
        ledgerCheck(result),
      ],
      ...trace(result),
    };
  },
};
