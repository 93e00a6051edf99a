/** Whether a program is on the PATH (tests that need it say so when they skip). */
import { execFileSync } from "node:child_process";

export function has(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}
