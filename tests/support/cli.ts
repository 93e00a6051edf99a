/** Runs the CLI as a user would, and returns its exit code and output. */
import { execFile } from "node:child_process";
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
