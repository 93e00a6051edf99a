/** What the backup commands do, returning data for the CLI to print. */

import { EXIT, LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import type { Log } from "../runtime/log.js";
import { type BackupSet, humanBytes, iso, neededBytes } from "./plan.js";
import { BackupRepo } from "./repo.js";

export interface BackupListing {
  node: string;
  backups: Array<BackupSet & { ageS: number; stopIso: string; durationS: number }>;
  lastArchivedAt: string | null;
  repositoryBytes: number;
  freeBytes: number;
}

export async function listBackups(lab: RunningLab): Promise<BackupListing> {
  const repo = await BackupRepo.open(lab);
  const [backups, archived, repositoryBytes, freeBytes] = await Promise.all([
    repo.backups(),
    repo.lastArchivedAt(),
    repo.repoBytes(),
    repo.freeBytes(),
  ]);
  const now = Date.now() / 1000;
  return {
    node: repo.node,
    backups: backups.map((b) => ({
      ...b,
      ageS: Math.round(now - b.stop),
      stopIso: iso(b.stop),
      durationS: b.stop - b.start,
    })),
    lastArchivedAt: archived === null ? null : iso(archived),
    repositoryBytes,
    freeBytes,
  };
}

/** Takes a backup now, after checking the repository has room for it. */
export async function takeBackup(
  lab: RunningLab,
  type: BackupSet["type"],
  log: Log,
): Promise<BackupSet> {
  const repo = await BackupRepo.open(lab);
  const before = await repo.backups();
  if (type !== "full" && !before.some((b) => b.type === "full")) {
    throw new LabError(
      `a ${type} backup needs a full one first`,
      "npm run lab:backup -- --type full",
      EXIT.usage,
    );
  }
  const need = neededBytes(type, before);
  const free = await repo.freeBytes();
  if (free < need) {
    throw new LabError(
      `the backup repository is full: ${humanBytes(free)} free on ${repo.node}, a ${type} backup needs about ${humanBytes(need)}`,
      "free space on that node's disk, or keep fewer backups (backup.retentionFull in swarm-lab.yaml)",
      EXIT.failure,
    );
  }
  log.info(`taking a ${type} backup on ${repo.node}...`);
  await repo.backup(type);
  const after = await repo.backups();
  const made = after.filter((b) => !before.some((x) => x.label === b.label)).at(-1);
  if (!made) throw new LabError("pgbackrest reported success but no new backup is listed");
  return made;
}
