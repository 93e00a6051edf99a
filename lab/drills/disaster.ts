/**
 * Disaster: under write load, both database members are killed and their volumes emptied (as
 * if every disk were lost). The cluster is restored from the pgBackRest repository (latest
 * archived state), the replica rebuilt from it, a new full backup taken. The client's ledger
 * gives the RPO (acknowledged writes lost, and how many seconds of them); the traffic gives the
 * RTO (seconds until the API accepts writes again).
 */

import { sqlOnLeader } from "../backup/members.js";
import { planRestore, type RestoreResult, restoreCluster } from "../backup/restore.js";
import type { RunningLab } from "../running/lab.js";
import { systemClock } from "../runtime/clock.js";
import { archivedUpTo, dataLoss, longestOutage, recoverySeconds } from "./analysis.js";
import { trace, underTraffic } from "./scenario.js";
import type { Drill } from "./types.js";

/** RTO goal of the issue: under 3 minutes on this machine (for 100k users). */
export const RTO_BUDGET_S = 180;
/** RPO may exceed archive_timeout by the time it takes to ship the last segment (4-5 s measured). */
export const ARCHIVE_SHIP_MARGIN_S = 10;

/**
 * Which writes the repository must have kept: the primary's current WAL segment is sampled every
 * second during the traffic. A write acknowledged at a moment when the primary was still writing
 * into the last archived segment (or an earlier one) is in the archive. (The time the archiver
 * finished is no good bound: shipping a segment took over 3 s under load at 1M users.)
 */
class WalSampler {
  readonly samples: Array<{ at: number; segment: string }> = [];
  private running = true;
  private done: Promise<void>;

  constructor(lab: RunningLab) {
    this.done = (async () => {
      while (this.running) {
        const at = Date.now();
        const segment = await sqlOnLeader(lab, "SELECT pg_walfile_name(pg_current_wal_lsn())")
          .then((s) => s.trim())
          .catch(() => "");
        if (segment) this.samples.push({ at, segment });
        await systemClock.sleep(1000);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

export const disaster: Drill = {
  name: "disaster",
  summary: "lose every database disk under load, restore from the repository: RPO and RTO",
  async run(ctx) {
    const { lab } = ctx;
    const startedAt = new Date().toISOString();
    const archiveTimeoutS = lab.config.backup.archiveTimeoutS;
    let restore: RestoreResult | undefined;
    let lastArchivedMs = 0;
    let lastArchivedWal = "";
    let disasterMs = 0;
    const sampler = new WalSampler(lab);
    ctx.onAbort(() => sampler.stop());
    const result = await underTraffic(ctx, async (mark) => {
      // Nothing is destroyed unless the repository can restore (it holds a backup, it answers).
      const plan = await planRestore(lab, { kind: "latest" }, ctx.log, { archiveFirst: false });
      await sampler.stop();
      const archived = await sqlOnLeader(
        lab,
        "SELECT coalesce(extract(epoch FROM last_archived_time) * 1000, 0)::bigint || ' ' || coalesce(last_archived_wal, '') FROM pg_stat_archiver",
      );
      [lastArchivedMs, lastArchivedWal] = [
        Number(archived.split(" ")[0]),
        archived.split(" ")[1]?.trim() ?? "",
      ];
      disasterMs = Date.now();
      mark(
        `disaster: killing both database members and emptying their volumes (last WAL archived ${Math.round((disasterMs - lastArchivedMs) / 100) / 10} s ago)`,
      );
      const log = { ...ctx.log, info: (line: string) => mark(line) };
      restore = await restoreCluster(lab, { kind: "latest" }, plan, log, {
        kill: true,
        wipeAll: true,
        newFullBackup: true,
      });
    });
    const { writes, reads, acknowledged, acknowledgedAt } = result.traffic;
    const cutoffMs = archivedUpTo(sampler.samples, lastArchivedWal);
    const loss = dataLoss(acknowledged, acknowledgedAt, new Set(result.lost), disasterMs, cutoffMs);
    const rtoS = recoverySeconds(writes.samples, result.faultMs);
    return {
      drill: "disaster",
      startedAt,
      measures: {
        rpoS: loss.rpoS,
        lostWrites: loss.lost,
        lostBeforeLastArchive: loss.lostBeforeCutoff,
        rtoS,
        writeUnavailableS: longestOutage(writes.samples, result.faultMs),
        readUnavailableS: longestOutage(reads.samples, result.faultMs),
        lastArchivedBeforeDisasterS: Math.round(disasterMs - lastArchivedMs) / 1000,
        lastArchivedSegment: lastArchivedWal,
        archiveCoversWritesUpToS: cutoffMs ? Math.round(disasterMs - cutoffMs) / 1000 : null,
        archiveTimeoutS,
        acknowledgedWrites: acknowledged.length,
        failedWrites: writes.failed,
        writesGivenUp: result.traffic.writesGivenUp,
        writesReplayed: result.traffic.writesReplayed,
        failedReads: reads.failed,
        restoredFrom: restore?.backup ?? "none",
        membersStoppedS: restore?.membersStoppedS ?? null,
        primaryRestoredS: restore?.primaryRestoredS ?? null,
        replicaRebuiltS: restore?.replicaRebuiltS ?? null,
        newFullBackupS: restore?.newFullBackupS ?? null,
      },
      checks: [
        {
          name: "every write acknowledged before the last archived segment is present",
          ok: cutoffMs > 0 && loss.lostBeforeCutoff === 0,
          detail: `${loss.lostBeforeCutoff} missing of those acknowledged while the primary still wrote segment ${lastArchivedWal || "-"} (up to ${cutoffMs ? Math.round(disasterMs - cutoffMs) / 1000 : "-"} s before the disaster)`,
        },
        {
          name: `RPO within archive_timeout (${archiveTimeoutS} s)`,
          ok: loss.rpoS <= archiveTimeoutS + ARCHIVE_SHIP_MARGIN_S,
          detail: `${loss.rpoS} s, ${loss.lost} acknowledged writes lost of ${acknowledged.length}`,
        },
        {
          name: `RTO under ${RTO_BUDGET_S} s`,
          ok: rtoS !== null && rtoS < RTO_BUDGET_S,
          detail:
            rtoS === null
              ? "writes did not come back while the traffic ran (raise --duration)"
              : `${rtoS} s`,
        },
        {
          name: "replica rebuilt from the restored primary",
          ok: restore?.replicaRebuiltS !== null && restore !== undefined,
          detail: `${restore?.replicaRebuiltS ?? "not"} s`,
        },
      ],
      ...trace(result),
    };
  },
};
