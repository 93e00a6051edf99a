/**
 * Restore of the whole database cluster from the repository: checked first (a backup exists, the
 * target is inside the recoverable window, the repository answers), and only then the members
 * are stopped, their data removed, the cluster's keys cleared, pg1 bootstrapped from the
 * repository (Patroni's custom bootstrap, images/postgres/restore-bootstrap.sh), pg2 rebuilt from
 * it, and a new full backup taken (the restored cluster starts a new timeline).
 */
import { performance } from "node:perf_hooks";
import { leaderOf, MEMBERS, patroniCluster } from "../database/patroni.js";
import { LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import { systemClock } from "../runtime/clock.js";
import type { Log } from "../runtime/log.js";
import { secondsUntil } from "../swarm/steer.js";
import {
  clearClusterKeys,
  leaderWithin,
  onMemberVolume,
  replicaWithin,
  sqlOnLeader,
  startMember,
  stopMembers,
} from "./members.js";
import {
  type BackupSet,
  iso,
  pgTime,
  type RecoveryWindow,
  type RestoreFacts,
  type RestorePlan,
  type RestoreTarget,
  restorePlan,
} from "./plan.js";
import { BackupBusyError, BackupRepo } from "./repo.js";

/** Where a restore moves a member's data directory until the restored primary accepts writes. */
export const ASIDE = "pgdata.before-restore";
/** The markers images/postgres/entrypoint.sh reads on a member's volume with no data. */
const RESTORE_TARGET = "restore-target";
const NO_BOOTSTRAP = "no-bootstrap";
/** A restore's new full backup is tried this many times, 5 s apart, while the repository is busy. */
const BUSY_ATTEMPTS = 12;
/**
 * Run as root on a stopped member's volume (on /data). An aside left by an interrupted restore
 * holds the data from before it: kept, and the half-restored directory removed instead.
 */
const SET_ASIDE = `rm -f /data/${RESTORE_TARGET} /data/${NO_BOOTSTRAP} && if [ -d /data/${ASIDE} ]; then rm -rf /data/pgdata; elif [ -d /data/pgdata ]; then mv /data/pgdata /data/${ASIDE}; fi`;
/** After success: the aside and both markers go. */
const CLEAN_UP = `rm -rf /data/${ASIDE} /data/${RESTORE_TARGET} /data/${NO_BOOTSTRAP}`;
/** The disaster drill: every member's disk is lost, nothing is set aside. */
const WIPE_ALL = "rm -rf /data/* /data/.[!.]*";
/** A file on a member's volume, readable by Postgres' user (the entrypoint reads it). */
const marker = (file: string, content: string) =>
  `echo '${content}' > /data/${file} && chown postgres:postgres /data/${file}`;

async function acceptsWrites(lab: RunningLab): Promise<boolean> {
  const ok = await secondsUntil(
    async () =>
      (await sqlOnLeader(lab, "SELECT pg_is_in_recovery()").catch(() => "")).trim() === "f",
    60_000,
  );
  return ok !== null;
}

export interface RestoreResult {
  target: string;
  backup: string;
  window: { from: string; to: string };
  /** seconds from the start of the restore */
  membersStoppedS: number;
  primaryRestoredS: number | null;
  replicaRebuiltS: number | null;
  newFullBackupS: number | null;
}

/** Ships the primary's current WAL to the repository (when a primary answers): nothing recent is left out. */
export async function archiveNow(lab: RunningLab, log: Log): Promise<number | null> {
  if (!leaderOf(await patroniCluster(lab).catch(() => []))) return null;
  // A commit after any target time: recovery to a time needs a record after it to stop at.
  await sqlOnLeader(lab, "SELECT txid_current()");
  const segment = (await sqlOnLeader(lab, "SELECT pg_walfile_name(pg_switch_wal())")).trim();
  const at = Math.floor(Date.now() / 1000);
  const archived = await secondsUntil(
    async () =>
      (
        await sqlOnLeader(
          lab,
          `SELECT coalesce(last_archived_wal >= '${segment}', false) FROM pg_stat_archiver`,
        )
      ).trim() === "t",
    30_000,
  );
  if (archived !== null) {
    log.info(`current WAL archived (${segment})`);
    return at;
  }
  log.warn(`WAL segment ${segment} was not archived within 30 s: the newest writes may be missing`);
  return null;
}

/** What a restore plan needs, read from the repository (and the primary's WAL shipped first). */
export async function gatherRestoreFacts(
  lab: RunningLab,
  log: Log,
  opts: { archiveFirst: boolean },
): Promise<{ repo: BackupRepo; facts: RestoreFacts }> {
  const repo = await BackupRepo.open(lab);
  const backups = await repo.backups();
  const flushedAt = opts.archiveFirst && backups.length > 0 ? await archiveNow(lab, log) : null;
  const archivedAt = await repo.lastArchivedAt();
  return { repo, facts: { backups, archivedAt, flushedAt } };
}

/** Facts, then the pure plan: nothing is touched. Throws a LabError (exit 2 or 5) when a restore is not possible. */
export async function planRestore(
  lab: RunningLab,
  target: RestoreTarget,
  log: Log,
  opts: { archiveFirst: boolean },
): Promise<{ repo: BackupRepo } & RestorePlan> {
  const { repo, facts } = await gatherRestoreFacts(lab, log, opts);
  return { repo, ...restorePlan(facts, target) };
}

/** Destroys the current database and brings back the target state. Call planRestore first. */
export async function restoreCluster(
  lab: RunningLab,
  target: RestoreTarget,
  plan: { repo: BackupRepo; window: RecoveryWindow; chosen: BackupSet },
  log: Log,
  opts: { kill?: boolean; wipeAll?: boolean; newFullBackup?: boolean } = {},
): Promise<RestoreResult> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0) / 1000;
  const targetText = target.kind === "latest" ? "latest" : pgTime(target.at);
  log.info(
    `restoring ${targetText === "latest" ? "the latest archived state" : targetText} from backup ${plan.chosen.label}`,
  );
  await stopMembers(lab, { kill: opts.kill ?? false });
  const membersStoppedS = since();
  log.info(`database members stopped (${membersStoppedS} s)`);
  const first = MEMBERS[0] as string;
  // The other members first: each gets the marker that forbids it to bootstrap (it may only
  // join the restored cluster), so no interruption can leave an empty member free to start a
  // new, empty cluster. Then the first member, marked to bootstrap from the repository.
  for (const m of [...MEMBERS.slice(1), first]) {
    // pg1 restores to the target it names; with the other marker, a member may not bootstrap.
    const mark = m === first ? marker(RESTORE_TARGET, targetText) : marker(NO_BOOTSTRAP, "");
    await onMemberVolume(lab, m, `${opts.wipeAll ? WIPE_ALL : SET_ASIDE} && ${mark}`);
  }
  await clearClusterKeys(lab);
  log.info(
    opts.wipeAll
      ? "data removed, cluster keys cleared in etcd"
      : `data set aside (${ASIDE} on each member, removed once the restored primary accepts writes), cluster keys cleared in etcd`,
  );
  await startMember(lab, first);
  const restored = await leaderWithin(lab, first, 30 * 60_000);
  if (restored === null || !(await acceptsWrites(lab))) {
    throw new LabError(
      `${first} did not come back as primary from the repository within 30 min`,
      `its logs tell why: docker -H <node> service logs ${lab.config.name}_${first}; the repository and the data set aside (${ASIDE}) are untouched, so the restore can be run again`,
    );
  }
  const primaryRestoredS = since();
  log.info(`${first} restored and promoted, accepts writes (${primaryRestoredS} s)`);
  // Success: what was set aside goes, and so do the markers (a later empty data directory must
  // not restore again); the other members may join now (they clone the primary).
  for (const m of MEMBERS) await onMemberVolume(lab, m, CLEAN_UP);
  for (const m of MEMBERS.slice(1)) await startMember(lab, m);
  const replica = await replicaWithin(lab, 30 * 60_000);
  const replicaRebuiltS = replica === null ? null : since();
  log.info(
    replica === null
      ? "the replica did not come back within 30 min"
      : `replica rebuilt (${replicaRebuiltS} s)`,
  );
  let newFullBackupS: number | null = null;
  if (opts.newFullBackup ?? true) {
    // The repository's lock may be held a moment by the backup service (its stanza check after
    // the restore, or a scheduled backup): tried again for a minute before leaving it to them.
    for (let attempt = 1; ; attempt++) {
      try {
        await plan.repo.backup("full", { keepAll: true });
        newFullBackupS = since();
        log.info(`new full backup taken (${newFullBackupS} s)`);
        break;
      } catch (err) {
        if (!(err instanceof BackupBusyError)) throw err;
        if (attempt === BUSY_ATTEMPTS) {
          log.warn(
            "the repository stayed busy for a minute: the backup service's next backup is the first of the restored cluster",
          );
          break;
        }
        await systemClock.sleep(5000);
      }
    }
  }
  return {
    target: target.kind === "latest" ? "latest" : iso(target.at),
    backup: plan.chosen.label,
    window: { from: iso(plan.window.from), to: iso(plan.window.to) },
    membersStoppedS,
    primaryRestoredS,
    replicaRebuiltS,
    newFullBackupS,
  };
}
