/** Running programs. Every failure becomes a CommandError naming the command line. */
import { spawn } from "node:child_process";
import { $, ProcessOutput } from "zx";
import { CommandError, EXIT, LabError } from "../errors.js";

$.quiet = true;
$.verbose = false;

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  hint?: string;
  /** killed (and reported by name) after this long; default 30 min (image builds are long) */
  timeoutMs?: number;
}

export async function run(cmd: string, args: string[], opts: ExecOptions = {}): Promise<string> {
  const line = [cmd, ...args].map(shellQuote).join(" ");
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const started = Date.now();
  try {
    const p = $({
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      input: opts.input,
      timeout: timeoutMs,
    })`${cmd} ${args}`;
    return (await p).stdout;
  } catch (err) {
    if (err instanceof ProcessOutput && err.signal && Date.now() - started >= timeoutMs) {
      throw new LabError(
        `${line} did not finish within ${timeoutMs / 1000} s and was stopped`,
        opts.hint ?? "run it by hand to see where it hangs",
        EXIT.failure,
      );
    }
    if (err instanceof ProcessOutput) {
      throw new CommandError(line, err.exitCode, `${err.stdout}\n${err.stderr}`, opts.hint);
    }
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CommandError(line, 127, `${cmd}: not found`, opts.hint ?? `install ${cmd}`);
    }
    throw err;
  }
}

/** Runs a program attached to this terminal; resolves with its exit code. */
export function runAttached(
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "ENOENT"
          ? new CommandError(cmd, 127, `${cmd}: not found`, `install ${cmd}`)
          : err,
      ),
    );
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export async function has(cmd: string): Promise<boolean> {
  try {
    await $`command -v ${cmd}`;
    return true;
  } catch {
    return false;
  }
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
