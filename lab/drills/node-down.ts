/**
 * Kill a whole node (its container, like a power cut), by default the one running the database
 * primary; bring it back after a while. Measures recovery of reads and writes, task
 * rescheduling, and the node's return.
 */

import { leaderOf, patroniCluster, untilTakeoverPossible } from "../database/patroni.js";
import { names } from "../plan/names.js";
import { collectStatus } from "../running/status.js";
import { nodeState, secondsUntil } from "../swarm/steer.js";
import { runningTasks } from "../swarm/tasks.js";
import { outageEnd, recoverySeconds } from "./analysis.js";
import { type NodeAlerts, watchNodeAlerts } from "./node-alerts.js";
import { ledgerCheck, trace, trafficMeasures, underTraffic } from "./scenario.js";
import type { Drill } from "./types.js";

/** How long the node stays off before the drill powers it back on. */
export const NODE_OFF_S = 30;
/** Off at least this long, the drill also checks the alerting (NodeDown, inhibition). */
export const NODE_ALERTS_OFF_S = 80;

/**
 * The goal for writes after a node with the primary dies (issue 12): Patroni's ttl (20 s) and the
 * reconnect. Measured to the end of the outage the fault made; failures later are reported apart.
 */
const WRITES_BACK_S = 30;
/** Both database members streaming again this long after the node rejoined, at the latest. */
const MEMBERS_BACK_S = 120;

export const nodeDown: Drill = {
  name: "node-down",
  summary: "kill the node holding the database and app tasks, then bring it back",
  async run(ctx) {
    const { lab } = ctx;
    // By default the node of the current primary: the worst single node to lose.
    const primary = leaderOf(await patroniCluster(lab));
    const victim = ctx.opts.node
      ? names.node(lab.config.name, ctx.opts.node)
      : (primary?.node ?? names.node(lab.config.name, 1));
    const app = `${lab.config.name}_app`;
    const startedAt = new Date().toISOString();
    const m: Record<string, number | null> = {};
    const offS = ctx.opts.offS ?? NODE_OFF_S;
    let seen: NodeAlerts = { nodeDownS: null, inhibited: [] };
    const result = await underTraffic(ctx, async (mark) => {
      // the primary's node: the replica must be one Patroni would promote (see db-primary)
      if (victim === primary?.node) {
        const waited = await untilTakeoverPossible(lab, 60_000, ctx.signal);
        if (waited > 1) mark(`waited ${waited} s for a replica Patroni would promote`);
      }
      const engine = lab.managerExcept(victim);
      const appOnVictim = (await runningTasks(engine, app)).filter((t) => t.node === victim).length;
      ctx.onAbort(() => lab.driver.start(victim));
      await lab.driver.kill(victim);
      const killedAt = Date.now();
      mark(`killed node ${victim} (${appOnVictim} app tasks on it)`);
      m.swarmMarkedDownS = await secondsUntil(
        async () => (await nodeState(engine, victim)) === "down",
        60_000,
        ctx.signal,
      );
      mark(`swarm marks ${victim} down after ${m.swarmMarkedDownS ?? "-"} s`);
      m.appRescheduledS = await secondsUntil(
        async () => {
          const tasks = await runningTasks(engine, app);
          return tasks.length >= lab.config.app.replicas && tasks.every((t) => t.node !== victim);
        },
        Math.max(1, offS - (m.swarmMarkedDownS ?? 0)) * 1000,
        ctx.signal,
      );
      mark(
        m.appRescheduledS === null
          ? "app tasks not all rescheduled while the node was off"
          : `app back to ${lab.config.app.replicas} tasks on other nodes`,
      );
      const offFor = offS * 1000 - (Date.now() - killedAt);
      // Meanwhile: what a person on call sees (NodeDown, and what it inhibits).
      seen = await watchNodeAlerts(lab, victim, killedAt, Date.now() + offFor, ctx.signal);
      mark(
        `alerts: NodeDown ${seen.nodeDownS === null ? "not seen" : `after ${seen.nodeDownS} s`}, inhibited on ${victim}: ${seen.inhibited.join(", ") || "none"}`,
      );
      await lab.driver.start(victim);
      await lab.refreshNodes();
      mark(`node ${victim} powered on`);
      m.nodeRejoinedS = await secondsUntil(
        async () => (await nodeState(engine, victim)) === "ready",
        90_000,
        ctx.signal,
      );
      mark(
        m.nodeRejoinedS === null
          ? "node did NOT rejoin within 90 s"
          : `node rejoined the swarm after ${m.nodeRejoinedS} s`,
      );
      m.membersBackS = await secondsUntil(
        async () => {
          const members = await patroniCluster(lab, victim);
          return (
            members.length === 2 &&
            members.every((x) => x.state === "running" || x.state === "streaming")
          );
        },
        MEMBERS_BACK_S * 1000,
        ctx.signal,
      );
      mark(`both database members running again after ${m.membersBackS ?? "-"} s`);
      // The node is back only when every service is whole again: the global ones (Traefik, the
      // exporters, the log agent) start on it after it rejoins, each after its health check.
      m.servicesBackS = await secondsUntil(
        async () => (await collectStatus(lab)).services.every((s) => s.running >= s.desired),
        120_000,
        ctx.signal,
      );
      mark(`every service at its desired tasks after ${m.servicesBackS ?? "-"} s`);
    });
    const { writes, reads } = result.traffic;
    const writesRecoveryS = recoverySeconds(writes.samples, result.faultMs);
    const writesOutage = outageEnd(writes.samples, result.faultMs);
    const readsRecoveryS = recoverySeconds(reads.samples, result.faultMs);
    return {
      drill: "node-down",
      startedAt,
      measures: {
        node: victim,
        primaryBefore: primary ? `${primary.name} on ${primary.node}` : "unknown",
        ...m,
        offS,
        nodeDownAlertS: seen.nodeDownS,
        inhibitedAlerts: seen.inhibited.join(", ") || "none",
        writesRecoveryS,
        writesOutageS: writesOutage.seconds,
        writeFailuresAfterOutage: writesOutage.failuresAfter,
        readsRecoveryS,
        ...trafficMeasures(result),
      },
      checks: [
        {
          name: "node rejoined",
          ok: m.nodeRejoinedS !== null,
          detail: `${m.nodeRejoinedS ?? "not"} s after power on`,
        },
        {
          // An old primary rewound against an idle primary waited minutes for a WAL record
          // before it accepted connections; the member's entrypoint now asks for one write.
          name: `both database members running again within ${MEMBERS_BACK_S} s`,
          ok: m.membersBackS !== null,
          detail: `${m.membersBackS ?? "not"} s after the node rejoined`,
        },
        {
          name: "every service whole again",
          ok: m.servicesBackS !== null,
          detail: `${m.servicesBackS ?? "not"} s after power on`,
        },
        {
          name: "writes recovered",
          ok: writesRecoveryS !== null,
          detail: `${writesRecoveryS ?? "never"} s after the fault`,
        },
        {
          name: `writes back within ${WRITES_BACK_S} s`,
          ok: writesOutage.seconds !== null && writesOutage.seconds <= WRITES_BACK_S,
          detail: `${writesOutage.seconds ?? "never"} s after the fault; ${writesOutage.failuresAfter} failed write attempts after that`,
        },
        {
          name: "reads recovered",
          ok: readsRecoveryS !== null,
          detail: `${readsRecoveryS ?? "never"} s after the fault`,
        },
        ledgerCheck(result),
        // NodeDown waits 30 s (for:) and the per-service alerts 1 min: only a long outage shows them.
        ...(offS >= NODE_ALERTS_OFF_S
          ? [
              {
                name: "NodeDown fired, the node's per-service alerts inhibited",
                ok: seen.nodeDownS !== null && seen.inhibited.length > 0,
                detail: `NodeDown after ${seen.nodeDownS ?? "-"} s; inhibited: ${seen.inhibited.join(", ") || "none"}`,
              },
            ]
          : []),
      ],
      ...trace(result),
    };
  },
};
