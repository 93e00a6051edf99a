/** The pgBackRest repository, reached by exec in the backup service's container. */

import { EXIT, LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import type { Engine, ExecResult } from "../runtime/docker.js";
import { runningTasks } from "../swarm/tasks.js";
import { type BackupSet, parseInfo, parseSystemId } from "./plan.js";

export const STANZA = "main";

/** Another backup (a scheduled one) holds the repository's lock. */
export class BackupBusyError extends LabError {}
const REPO_PATH = "/var/lib/pgbackrest";
/** pgBackRest exit code when another process holds the stanza's lock (a scheduled backup). */
const LOCK_ERROR = 50;

export class BackupRepo {
  private constructor(
    private readonly engine: Engine,
    private readonly container: string,
    readonly node: string,
  ) {}

  /** Finds the backup service's running task; fails clearly when there is none. */
  static async open(lab: RunningLab, avoidNode?: string): Promise<BackupRepo> {
    const service = `${lab.config.name}_backup`;
    const tasks = await runningTasks(lab.managerExcept(avoidNode), service).catch(() => []);
    const task = tasks.find((t) => t.container);
    const node = lab.nodes.find((n) => n.name === task?.node && n.running);
    if (!task || !node) {
      throw new LabError(
        `the backup repository is unreachable: service ${service} has no running task`,
        "npm run lab:status shows it; npm run lab:up starts it again (its volume keeps the backups)",
        EXIT.notRunning,
      );
    }
    return new BackupRepo(lab.driver.engine(node), task.container, task.node);
  }

  /** Runs as postgres, the owner of the repository and of pgBackRest's keys. */
  exec(cmd: string[]): Promise<ExecResult> {
    return this.engine.containers.exec(this.container, cmd, "postgres");
  }

  private async pgbackrest(args: string[]): Promise<ExecResult> {
    return this.exec(["pgbackrest", `--stanza=${STANZA}`, ...args]);
  }

  async backups(): Promise<BackupSet[]> {
    return parseInfo(await this.info(), STANZA);
  }

  /** The system identifier of the cluster the repository's stanza belongs to (null: no stanza). */
  async systemId(): Promise<string | null> {
    return parseSystemId(await this.info(), STANZA);
  }

  private async info(): Promise<string> {
    const r = await this.pgbackrest(["--output=json", "info"]);
    if (r.code !== 0) {
      throw new LabError(
        `the backup repository does not answer: pgbackrest info exited ${r.code}: ${(r.stderr || r.stdout).trim()}`,
        "docker logs of the backup service (npm run lab:status names its node) tell why",
        EXIT.notRunning,
      );
    }
    return r.stdout;
  }

  /** When the newest WAL segment reached the repository (epoch s), or null if none has. */
  async lastArchivedAt(): Promise<number | null> {
    const r = await this.exec([
      "sh",
      "-c",
      `find ${REPO_PATH}/archive/${STANZA} -type f -name '${"?".repeat(24)}-*' -printf '%T@\\n' 2>/dev/null | sort -n | tail -n1`,
    ]);
    const value = Number.parseFloat(r.stdout.trim());
    return Number.isFinite(value) ? Math.floor(value) : null;
  }

  async freeBytes(): Promise<number> {
    const r = await this.exec(["df", "-B1", "--output=avail", REPO_PATH]);
    return Number(r.stdout.trim().split("\n").at(-1));
  }

  async repoBytes(): Promise<number> {
    const r = await this.exec(["du", "-sb", REPO_PATH]);
    return Number(r.stdout.trim().split(/\s+/)[0]);
  }

  /**
   * Takes a backup now; a scheduled one holding the lock is reported as such. `keepAll`: the
   * expiry that follows a backup removes nothing this time (a restore's new full backup must not
   * expire the backup it restored from): retention is raised to the full backups there are + 1.
   */
  async backup(type: BackupSet["type"], opts: { keepAll?: boolean } = {}): Promise<void> {
    const retention = opts.keepAll
      ? [
          `--repo1-retention-full=${(await this.backups()).filter((b) => b.type === "full").length + 1}`,
        ]
      : [];
    const r = await this.pgbackrest([
      `--type=${type}`,
      ...retention,
      "--log-level-console=warn",
      "backup",
    ]);
    if (r.code === LOCK_ERROR) {
      throw new BackupBusyError(
        "another backup is running (a scheduled one): the repository allows one at a time",
        "wait for it to end (npm run lab:backups lists it when done) and try again",
        1,
      );
    }
    if (r.code !== 0) {
      const text = (r.stderr || r.stdout).trim();
      const full = /No space left|ENOSPC/i.test(text);
      throw new LabError(
        `the ${type} backup failed (pgbackrest exit ${r.code}): ${text.split("\n").slice(-6).join("\n")}`,
        full
          ? "the repository volume is full: lower backup.retentionFull or give the node more disk"
          : "npm run lab:status shows whether a database primary is running",
        EXIT.failure,
      );
    }
  }
}
