/**
 * The backup repository outlives the lab (a host volume `lab:down` keeps): a fresh `up` whose
 * members started empty brings the database back from it, and says so.
 */
import type { RunningLab } from "../running/lab.js";
import type { Log } from "../runtime/log.js";
import { sqlOnLeader } from "./members.js";
import { type KeptRepoAction, keptRepoAction } from "./plan.js";
import { BackupRepo } from "./repo.js";
import { planRestore, type RestoreResult, restoreCluster } from "./restore.js";

export interface KeptRepoOutcome {
  action: KeptRepoAction;
  backups: number;
  restored: RestoreResult | null;
}

export async function restoreFromKeptRepo(
  lab: RunningLab,
  freshNodes: boolean,
  log: Log,
): Promise<KeptRepoOutcome> {
  const repo = await BackupRepo.open(lab);
  const backups = (await repo.backups()).length;
  const repoSystemId = await repo.systemId();
  const clusterSystemId = (
    await sqlOnLeader(lab, "SELECT system_identifier FROM pg_control_system()")
  ).trim();
  const action = keptRepoAction({ backups, repoSystemId, clusterSystemId, freshNodes });
  if (action.kind !== "restore") return { action, backups, restored: null };
  log.info(
    `the backup repository kept from an earlier lab holds ${backups} backups: restoring the database from it`,
  );
  // The new, empty cluster's WAL is not the repository's: nothing of it is archived first.
  const plan = await planRestore(lab, { kind: "latest" }, log, { archiveFirst: false });
  const restored = await restoreCluster(lab, { kind: "latest" }, plan, log);
  return { action, backups, restored };
}
