/**
 * Kill one app task under load and watch it replaced. With SIGTERM (a graceful stop) no request
 * may fail: the task finishes what it serves and Traefik retries the connections it refuses.
 * With SIGKILL (a crash, the default) the requests in flight on that task die with it: Traefik
 * sends the reads again to another task (its retry on 502/504 for idempotent methods), and answers
 * the writes 502 (a POST the task may have committed is never sent twice), which the writers retry
 * with their Idempotency-Key, as they do the few sent to its address before Traefik drops it: no
 * write is given up.
 */

import { secondsUntil } from "../swarm/steer.js";
import { runningTasks } from "../swarm/tasks.js";
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
    const startedAt = new Date().toISOString();
    const result = await underTraffic(ctx, async (mark) => {
      const engine = lab.managerExcept();
      const tasks = await runningTasks(engine, service);
      const task = tasks[0];
      if (!task) throw new Error(`no running task of ${service}`);
      const node = lab.nodes.find((n) => n.name === task.node);
      if (!node) throw new Error(`task ${task.id} runs on ${task.node}, not a lab node`);
      await lab.driver.engine(node).containers.kill(task.container, `SIG${signal}`);
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
    const outcomes = `writes ${JSON.stringify(writes.outcomes)}, reads ${JSON.stringify(reads.outcomes)}`;
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
          name: "no failed read",
          ok: reads.failed === 0,
          detail: `${reads.failed} failed of ${reads.requests} (${outcomes})`,
        },
        signal === "TERM"
          ? {
              name: "no failed write attempt",
              ok: writes.failed === 0,
              detail: `${writes.failed} failed of ${writes.requests} (${outcomes})`,
            }
          : {
              name: "no write given up (each failed attempt retried with its Idempotency-Key)",
              ok: result.traffic.writesGivenUp === 0,
              detail: `${result.traffic.writesGivenUp} given up; ${writes.failed} failed attempts of ${writes.requests}, ${result.traffic.writesReplayed} replayed (${outcomes})`,
            },
        { name: "task replaced", ok: replacedS !== null, detail: `${replacedS ?? "not"} s` },
        ledgerCheck(result),
      ],
      ...trace(result),
    };
  },
};
