/** CPU time of this machine's processes from /proc (Linux), for the benches' "where the time goes". */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
  /** user + system CPU seconds */
  cpu: number;
}

function readStat(pid: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // it ended between the listing and the read
  }
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  const fields = text.slice(close + 2).split(" ");
  return {
    pid: Number(pid),
    comm,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    cpu: (Number(fields[11]) + Number(fields[12])) / TICKS,
  };
}

/** The command line of a process, its arguments joined by spaces ("" once it ended). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

export function processes(): ProcStat[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(readStat)
    .filter((p): p is ProcStat => p !== undefined);
}

/** Busy CPU seconds of the whole machine, all cores (everything but idle and iowait). */
export function machineBusy(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS
  );
}
