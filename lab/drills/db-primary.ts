/**
 * Kill the Postgres primary's container (SIGKILL, Patroni with it) and keep it down: Swarm would
 * restart it within seconds, before the leader key expires, and it would simply stay primary.
 * Patroni promotes the replica once the key expires (ttl); the old member is then started again
 * and must come back as a replica (pg_rewind). Every acknowledged write must still be there.
 */
import {
  leaderOf,
  type Member,
  patroniCluster,
  untilTakeoverPossible,
} from "../database/patroni.js";
import { systemClock } from "../runtime/clock.js";
import { scaleService, secondsUntil } from "../swarm/steer.js";
import { longestOutage, recoverySeconds } from "./analysis.js";
import { ledgerCheck, trace, trafficMeasures, underTraffic } from "./scenario.js";
import type { Drill, DrillContext } from "./types.js";

/** Write unavailability accepted by the verdict: the leader key's ttl (20 s) plus a margin. */
export const WRITE_OUTAGE_BUDGET_S = 30;

export const dbPrimary: Drill = {
  name: "db-primary",
  summary: "kill the Postgres primary under load: replica promoted, 0 acknowledged writes lost",
  async run(ctx) {
    const { lab } = ctx;
    const startedAt = new Date().toISOString();
    const m: Record<string, number | null> = {};
    let old: Member | undefined;
    let promoted = "";
    let seen = "none answered";
    const result = await underTraffic(ctx, async (mark) => {
      const waited = await untilTakeoverPossible(lab, 60_000, ctx.signal);
      if (waited > 1) mark(`waited ${waited} s for a replica Patroni would promote`);
      old = leaderOf(await patroniCluster(lab));
      if (!old) throw new Error("no running Patroni leader before the fault");
      const node = lab.nodes.find((n) => n.name === old?.node);
      if (!node) throw new Error(`primary ${old.name} runs on ${old.node}, not a lab node`);
      const service = `${lab.config.name}_${old.name}`;
      const engine = lab.managerExcept(old.node);
      await lab.driver.engine(node).containers.kill(old.container);
      await scaleService(engine, service, 0);
      ctx.onAbort(() => scaleService(engine, service, 1));
      mark(`killed primary ${old.name} on ${old.node} (kept down)`);
      // Swarm may restart the killed task before it reads the new replica count (its restart delay
      // is 2 s), and that task takes the leader key back before it expires: the fault would undo
      // itself (seen in CI: "no new leader", the old primary leading again). Kill any such task
      // too, while the promotion is awaited.
      const restarted = killTasksFor(lab, service, 15_000, ctx.signal);
      m.newLeaderS = await secondsUntil(
        async () => {
          const members = await patroniCluster(lab);
          seen = members.map((x) => `${x.name} ${x.role} ${x.state}`).join(", ");
          const leader = leaderOf(members);
          promoted = leader && leader.name !== old?.name ? leader.name : "";
          return promoted !== "";
        },
        90_000,
        ctx.signal,
      );
      mark(
        m.newLeaderS === null
          ? "no new leader within 90 s"
          : `${promoted} promoted after ${m.newLeaderS} s`,
      );
      const again = await restarted;
      if (again > 0)
        mark(`killed ${again} task(s) of ${old.name} that Swarm restarted before the scale to 0`);
      await scaleService(engine, service, 1);
      mark(`${old.name} started again`);
      m.oldPrimaryRejoinedS = await secondsUntil(
        async () => {
          const back = (await patroniCluster(lab)).find((x) => x.name === old?.name);
          return (
            back !== undefined &&
            back.role !== "leader" &&
            ["running", "streaming"].includes(back.state)
          );
        },
        120_000,
        ctx.signal,
      );
      mark(
        m.oldPrimaryRejoinedS === null
          ? `${old.name} did NOT rejoin within 120 s`
          : `${old.name} back as a replica after ${m.oldPrimaryRejoinedS} s`,
      );
    });
    const { writes, reads } = result.traffic;
    const writeOutageS = longestOutage(writes.samples, result.faultMs);
    return {
      drill: "db-primary",
      startedAt,
      measures: {
        primaryBefore: old ? `${old.name} on ${old.node}` : "unknown",
        primaryAfter: promoted || "none",
        writeUnavailableS: writeOutageS,
        writesRecoveryS: recoverySeconds(writes.samples, result.faultMs),
        readUnavailableS: longestOutage(reads.samples, result.faultMs),
        ...trafficMeasures(result),
        ...m,
      },
      checks: [
        {
          name: "replica promoted",
          ok: m.newLeaderS !== null,
          detail: promoted
            ? `${promoted} after ${m.newLeaderS} s`
            : `no; the members said: ${seen}`,
        },
        {
          name: "old primary rejoined as replica",
          ok: m.oldPrimaryRejoinedS !== null,
          detail: `${m.oldPrimaryRejoinedS ?? "not"} s`,
        },
        ledgerCheck(result),
        {
          name: `write unavailability under ${WRITE_OUTAGE_BUDGET_S} s`,
          ok: writeOutageS < WRITE_OUTAGE_BUDGET_S,
          detail: `${writeOutageS} s`,
        },
      ],
      ...trace(result),
    };
  },
};

/** Kills every running container of `service` on every running node for `ms`; how many it killed. */
async function killTasksFor(
  lab: DrillContext["lab"],
  service: string,
  ms: number,
  signal?: AbortSignal,
): Promise<number> {
  let killed = 0;
  const label = [`com.docker.swarm.service.name=${service}`];
  const end = Date.now() + ms;
  while (Date.now() < end && !signal?.aborted) {
    for (const node of lab.nodes.filter((n) => n.running)) {
      const engine = lab.driver.engine(node);
      const found = await engine.containers.list({ label }).catch(() => []);
      for (const c of found) {
        await engine.containers.kill(c.Id).then(
          () => killed++,
          () => undefined,
        );
      }
    }
    await systemClock.sleep(500, signal).catch(() => undefined);
  }
  return killed;
}
