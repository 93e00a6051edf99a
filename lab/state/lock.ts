/**
 * One operation that changes the lab at a time (a deploy, a rollback, a drill): a lock file in
 * the state folder naming it and its process. A lock whose process is gone is taken over.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT, LabError } from "../errors.js";
import { stateDir } from "./paths.js";

interface Holder {
  what: string;
  pid: number;
  since: string;
}

const lockFile = () => join(stateDir(), "operation.lock");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock for `what`, or refuses naming what holds it; returns the release. */
export function takeOperationLock(what: string): () => void {
  const file = lockFile();
  if (existsSync(file)) {
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(readFileSync(file, "utf8")) as Holder;
    } catch {
      holder = undefined; // unreadable: a crash while writing it; take it over
    }
    if (holder && holder.pid !== process.pid && alive(holder.pid))
      throw new LabError(
        `another operation is changing the lab: ${holder.what} (pid ${holder.pid}, since ${holder.since})`,
        `wait for it to end; if that process is gone, remove ${file}`,
        EXIT.usage,
      );
  }
  mkdirSync(stateDir(), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({ what, pid: process.pid, since: new Date().toISOString() } satisfies Holder),
  );
  return () => {
    try {
      const holder = JSON.parse(readFileSync(file, "utf8")) as Holder;
      if (holder.pid === process.pid) rmSync(file, { force: true });
    } catch {
      // already gone
    }
  };
}
