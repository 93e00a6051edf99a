/** Runs the CLI as a user would, and returns its exit code and output. */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../lab/state/paths.js";

const exec = promisify(execFile);

export async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec("npx", ["tsx", "lab/cli/main.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Starts the CLI as one process (no npx in between), so a signal reaches it as it would from a
 * terminal; collects stdout and stderr together.
 */
export function spawnCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "lab/cli/main.ts", ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return {
    child,
    exited,
    output: () => out,
    /** Waits until the output contains `text` (or `ms` passed); true when it does. */
    async until(text: string, ms: number): Promise<boolean> {
      const deadline = Date.now() + ms;
      while (!out.includes(text) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      return out.includes(text);
    },
  };
}
