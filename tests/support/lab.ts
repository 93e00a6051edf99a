/** Connects lab tests to the running lab described by swarm-lab.yaml / LAB_CONFIG. */

import type Docker from "dockerode";
import { loadConfig } from "../../lab/config/load.js";
import { MEMBERS } from "../../lab/database/patroni.js";
import { NODE_API_PORT } from "../../lab/drivers/dind/driver.js";
import type { LabNode } from "../../lab/drivers/types.js";
import { connectLab, type RunningLab } from "../../lab/running/lab.js";
import { type ExecResult, tlsDocker } from "../../lab/runtime/docker.js";
import { engineClientTls } from "../../lab/state/tls.js";
import { scaleService } from "../../lab/swarm/steer.js";
import { runningTasks } from "../../lab/swarm/tasks.js";

/** Runs a command in the first running task of a service (fails when it has none). */
export async function execInTask(
  lab: RunningLab,
  service: string,
  cmd: string[],
): Promise<ExecResult> {
  const [task] = await runningTasks(lab.manager(), `${lab.config.name}_${service}`);
  const node = lab.nodes.find((n) => n.name === task?.node);
  if (!task || !node) throw new Error(`no running task of ${service}`);
  return lab.driver.engine(node).containers.exec(task.container, cmd);
}

/** Runs Python in the first running task of a service; returns what the code prints. */
export async function pythonIn(lab: RunningLab, service: string, code: string): Promise<string> {
  const r = await execInTask(lab, service, ["python3", "-c", code]);
  if (r.code !== 0) throw new Error(`python in ${service}: ${r.stderr}`);
  return r.stdout.trim();
}

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

/** Runs `fn` while a replicated service is scaled to 0, then scales it back to `replicas`. */
export async function withServiceStopped<T>(
  lab: RunningLab,
  service: string,
  fn: () => Promise<T>,
  replicas = 1,
): Promise<T> {
  const engine = lab.manager();
  const name = `${lab.config.name}_${service}`;
  await scaleService(engine, name, 0);
  try {
    // Every task gone, not only marked for shutdown: a task still stopping answers requests,
    // and scaling back up while it stops races Swarm's reconciliation.
    const alive = async () =>
      ((await engine.services.tasks({ service: [name] })) as TaskState[]).filter((t) =>
        ["new", "pending", "assigned", "accepted", "preparing", "starting", "running"].includes(
          t.Status.State,
        ),
      ).length;
    await eventually(
      `${name} stopped`,
      async () => ((await alive()) === 0 ? true : undefined),
      60_000,
    );
    return await fn();
  } finally {
    await scaleService(engine, name, replicas);
    await eventually(
      `${name} running again`,
      async () => ((await runningTasks(engine, name)).length >= replicas ? true : undefined),
      90_000,
    );
  }
}

interface TaskState {
  Status: { State: string };
}

/** The last lines each database member's container logged: what a test prints when it fails. */
export async function databaseLogs(lab: RunningLab, tail = 40): Promise<string> {
  const parts: string[] = [];
  for (const member of MEMBERS) {
    const name = `${lab.config.name}_${member}`;
    // Every task Swarm keeps, with its state and error: a member may have no running task at all.
    const all = (await lab
      .manager()
      .services.tasks({ service: [name] })
      .catch(() => [])) as Array<{ Status?: { State?: string; Err?: string; Timestamp?: string } }>;
    parts.push(
      `--- ${member} tasks: ${all.map((t) => `${t.Status?.State}${t.Status?.Err ? ` (${t.Status.Err})` : ""} at ${t.Status?.Timestamp}`).join("; ") || "none"}`,
    );
    const tasks = await runningTasks(lab.manager(), name).catch(() => []);
    for (const task of tasks) {
      const node = lab.nodes.find((n) => n.name === task.node);
      if (!node) continue;
      try {
        const log = await lab.driver
          .engine(node)
          .containers.logs(task.container, { tail, timestamps: true });
        parts.push(`--- ${member} on ${task.node}\n${log}`);
      } catch (err) {
        parts.push(`--- ${member} on ${task.node}: logs not read (${(err as Error).message})`);
      }
    }
  }
  return parts.join("\n");
}

/** A node engine's raw client, for tests that look beyond the lab's engine port. */
export function nodeDocker(node: LabNode): Docker {
  return tlsDocker(node.address, NODE_API_PORT, engineClientTls());
}
