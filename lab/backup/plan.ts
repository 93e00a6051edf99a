/** Pure: what the repository holds, what can be restored, and what a request for it means. */
import { EXIT, LabError } from "../errors.js";

export interface BackupSet {
  label: string;
  type: "full" | "diff" | "incr";
  /** epoch seconds */
  start: number;
  stop: number;
  /** bytes the database restores to */
  databaseBytes: number;
  /** bytes this backup added to the repository (compressed) */
  repoBytes: number;
  walStart: string;
  walStop: string;
}

interface InfoJson {
  name: string;
  status?: { code: number; message: string };
  backup?: Array<{
    label: string;
    type: BackupSet["type"];
    timestamp: { start: number; stop: number };
    info: { size: number; repository: { delta: number } };
    archive?: { start?: string; stop?: string };
  }>;
  db?: Array<{ id: number; "system-id": number | string }>;
}

/**
 * The system identifier of the cluster the stanza now belongs to (its newest db entry), or null
 * when the repository has no stanza yet. Kept as text: it exceeds JavaScript's exact integers.
 */
export function parseSystemId(json: string, stanza: string): string | null {
  // The number is taken from the text: JSON.parse would round a 64-bit identifier.
  const quoted = json.replace(/"system-id"\s*:\s*(\d+)/g, '"system-id":"$1"');
  const mine = (JSON.parse(quoted) as InfoJson[]).find((s) => s.name === stanza);
  const newest = [...(mine?.db ?? [])].sort((a, b) => a.id - b.id).at(-1);
  return newest ? String(newest["system-id"]) : null;
}

/** What `up` does with a repository that outlived the lab (the pure decision). */
export type KeptRepoAction =
  | { kind: "empty" }
  | { kind: "same" }
  | { kind: "restore" }
  | { kind: "foreign"; repo: string; cluster: string };

export function keptRepoAction(input: {
  backups: number;
  repoSystemId: string | null;
  clusterSystemId: string;
  /** the nodes were created by this `up`: the members started empty */
  freshNodes: boolean;
}): KeptRepoAction {
  const { backups, repoSystemId, clusterSystemId, freshNodes } = input;
  if (backups === 0 || repoSystemId === null) return { kind: "empty" };
  if (repoSystemId === clusterSystemId) return { kind: "same" };
  // Only a cluster this up just created is replaced: one that ran before may hold writes.
  return freshNodes
    ? { kind: "restore" }
    : { kind: "foreign", repo: repoSystemId, cluster: clusterSystemId };
}

/** Backups of a stanza from `pgbackrest info --output=json`, oldest first. */
export function parseInfo(json: string, stanza: string): BackupSet[] {
  const all = JSON.parse(json) as InfoJson[];
  const mine = all.find((s) => s.name === stanza);
  return (mine?.backup ?? [])
    .map((b) => ({
      label: b.label,
      type: b.type,
      start: b.timestamp.start,
      stop: b.timestamp.stop,
      databaseBytes: b.info.size,
      repoBytes: b.info.repository.delta,
      walStart: b.archive?.start ?? "",
      walStop: b.archive?.stop ?? "",
    }))
    .sort((a, b) => a.stop - b.stop);
}

export interface RecoveryWindow {
  /** the earliest time a restore can reach: the end of the oldest backup (epoch s) */
  from: number;
  /** the latest: when the newest WAL segment reached the repository (epoch s) */
  to: number;
}

export function recoveryWindow(
  backups: BackupSet[],
  lastArchivedAt: number | null,
): RecoveryWindow | null {
  const oldest = backups[0];
  const newest = backups.at(-1);
  if (!oldest || !newest) return null;
  return { from: oldest.stop, to: Math.max(newest.stop, lastArchivedAt ?? 0) };
}

/** What `--latest` or `--to <time>` asks for. */
export type RestoreTarget = { kind: "latest" } | { kind: "time"; at: number };

const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses `--to`: ISO 8601 ("2026-11-25T10:30:00Z", "2026-11-25 10:30:00+01:00"); no zone = UTC. */
export function parseTargetTime(text: string): number {
  const m = TIME_RE.exec(text.trim());
  if (!m) {
    throw new LabError(
      `--to "${text}" is not a time`,
      'give an ISO 8601 time, e.g. --to "2026-11-25T10:30:00Z" (no zone means UTC)',
      EXIT.usage,
    );
  }
  const zone = m[7] ?? "Z";
  const normalZone =
    zone === "Z"
      ? "Z"
      : zone.length === 3
        ? `${zone}:00`
        : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "00"].map(
    Number,
  );
  // Date.parse rolls 2026-02-30 over to March 2: check the calendar first.
  const daysInMonth = new Date(Date.UTC(year ?? 0, month ?? 0, 0)).getUTCDate();
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? "00"}${normalZone}`);
  if (
    Number.isNaN(ms) ||
    (month ?? 0) < 1 ||
    (month ?? 0) > 12 ||
    (day ?? 0) < 1 ||
    (day ?? 0) > daysInMonth ||
    (hour ?? 0) > 23 ||
    (minute ?? 0) > 59 ||
    (second ?? 0) > 59
  ) {
    throw new LabError(
      `--to "${text}" is not a valid date`,
      "check the day, month and time",
      EXIT.usage,
    );
  }
  return Math.floor(ms / 1000);
}

export function iso(epochS: number): string {
  return new Date(epochS * 1000).toISOString().replace(".000Z", "Z");
}

/** The form pgBackRest and Postgres both read: "2026-11-25 10:30:00+00". */
export function pgTime(epochS: number): string {
  return `${iso(epochS).replace("T", " ").replace("Z", "")}+00`;
}

/** Why a restore cannot be done (empty when it can): checked before anything is stopped. */
export function restoreProblems(
  target: RestoreTarget,
  backups: BackupSet[],
  window: RecoveryWindow | null,
): string[] {
  if (backups.length === 0 || !window) {
    return ["the repository holds no backup: there is nothing to restore from"];
  }
  if (target.kind === "latest") return [];
  if (target.at < window.from) {
    return [
      `${iso(target.at)} is before the oldest backup ended (${iso(window.from)}): the repository cannot go back that far`,
    ];
  }
  if (target.at > window.to) {
    return [
      `${iso(target.at)} is after the newest archived WAL (${iso(window.to)}): writes after that are not in the repository`,
    ];
  }
  return [];
}

/** The backup a restore to `at` starts from (pgBackRest's choice): the newest ended by then. */
export function chooseBackup(backups: BackupSet[], at: number): BackupSet {
  const chosen = [...backups].reverse().find((b) => b.stop <= at) ?? backups[0];
  if (!chosen) throw new Error("internal: chooseBackup needs at least one backup");
  return chosen;
}

/** Space a new backup of `type` needs, estimated from the previous ones (and a 20% margin). */
export function neededBytes(type: BackupSet["type"], backups: BackupSet[]): number {
  const fulls = backups.filter((b) => b.type === "full");
  const last = fulls.at(-1);
  if (!last) return 64 * 1024 * 1024;
  const estimate = type === "full" ? last.repoBytes : last.repoBytes / 2;
  return Math.ceil(estimate * 1.2);
}

export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

export function humanAge(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** What the repository says, read before planning a restore. */
export interface RestoreFacts {
  backups: BackupSet[];
  /** the last WAL segment the repository holds, epoch seconds */
  archivedAt: number | null;
  /** when the primary's current WAL was shipped just before (null: not asked, or no primary) */
  flushedAt: number | null;
}

export interface RestorePlan {
  backups: BackupSet[];
  window: RecoveryWindow;
  chosen: BackupSet;
}

/** Pure: the window, the backup to start from, or a LabError (exit 2) naming what is wrong. */
export function restorePlan(facts: RestoreFacts, target: RestoreTarget): RestorePlan {
  const { backups } = facts;
  const window = recoveryWindow(
    backups,
    Math.max(facts.archivedAt ?? 0, facts.flushedAt ?? 0) || null,
  );
  const problems = restoreProblems(target, backups, window);
  if (problems.length > 0 || !window) {
    throw new LabError(
      `cannot restore: ${problems.join("; ")}`,
      backups.length === 0
        ? "take one first: npm run lab:backup (the backup service also takes one when it starts)"
        : `choose a time between ${iso(window?.from ?? 0)} and ${iso(window?.to ?? 0)}, or --latest (npm run lab:backups shows the backups)`,
      EXIT.usage,
    );
  }
  const chosen = chooseBackup(backups, target.kind === "time" ? target.at : window.to);
  return { backups, window, chosen };
}
