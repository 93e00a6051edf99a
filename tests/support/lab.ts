/** Connects lab tests to the running lab described by swarm-lab.yaml / LAB_CONFIG. */
import { loadConfig } from "../../lab/config/load.js";
import { connectLab, type RunningLab } from "../../lab/core/running.js";

export async function theLab(): Promise<RunningLab> {
  return connectLab(loadConfig(process.env.LAB_CONFIG, {}));
}

export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(
    `${what}: not true after ${timeoutMs / 1000} s${last ? ` (${(last as Error).message})` : ""}`,
  );
}

/** The Authorization header for the dashboards' generated credentials. */
export function dashboardAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}
