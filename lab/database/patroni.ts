/** The database cluster as Patroni sees it, asked inside a member's container. */

import type { RunningLab } from "../running/lab.js";
import { execIn } from "../runtime/docker.js";
import { secondsUntil } from "../swarm/steer.js";
import { runningTasks } from "../swarm/tasks.js";

export const MEMBERS = ["pg1", "pg2"];

export interface Member {
  name: string;
  role: string;
  state: string;
  lag: number | null;
  timeline: number | null;
  /** lab node running this member's task */
  node: string;
  container: string;
}

export async function patroniCluster(lab: RunningLab, avoidNode?: string): Promise<Member[]> {
  const engine = lab.managerExcept(avoidNode);
  const tasks = (
    await Promise.all(
      MEMBERS.map(async (m) =>
        (await runningTasks(engine, `${lab.config.name}_${m}`)).map((t) => ({ ...t, member: m })),
      ),
    )
  ).flat();
  const errors: string[] = [];
  for (const task of tasks.filter((t) => t.node !== avoidNode)) {
    const node = lab.nodes.find((n) => n.name === task.node);
    if (!node) continue;
    try {
      const raw = await execIn(lab.driver.engine(node), task.container, [
        "curl",
        "-sf",
        "--max-time",
        "3",
        "http://127.0.0.1:8008/cluster",
      ]);
      const cluster = JSON.parse(raw) as {
        members: Array<{
          name: string;
          role: string;
          state: string;
          lag?: number | string;
          timeline?: number;
        }>;
      };
      return cluster.members.map((m) => {
        const t = tasks.find((x) => x.member === m.name);
        return {
          name: m.name,
          role: m.role,
          state: m.state,
          lag: typeof m.lag === "number" ? m.lag : null,
          timeline: m.timeline ?? null,
          node: t?.node ?? "-",
          container: t?.container ?? "",
        };
      });
    } catch (err) {
      errors.push(`${task.member}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no Patroni member answered (${errors.join("; ") || "no running member"})`);
}

export function leaderOf(members: Member[]): Member | undefined {
  return members.find((m) => m.role === "leader" && m.state === "running");
}

/**
 * Why no member could take over if the leader died now (empty when one could). In synchronous
 * mode Patroni promotes only the member named in its /sync key: a replica that is running but not
 * yet `sync_standby` (it has just rejoined, the leader names it a few loops later) would never be
 * promoted, and a drill that kills the leader then measures an outage that lasts until it returns.
 */
export function takeoverProblems(members: Member[], synchronous: boolean): string[] {
  const problems: string[] = [];
  if (!leaderOf(members)) problems.push("no database leader");
  const running = members.filter(
    (m) => m.role !== "leader" && ["running", "streaming"].includes(m.state),
  );
  const candidates = synchronous ? running.filter((m) => m.role === "sync_standby") : running;
  if (candidates.length === 0) {
    const seen = members.map((m) => `${m.name} ${m.role} ${m.state}`).join(", ") || "none";
    problems.push(
      synchronous
        ? `no synchronous replica that Patroni would promote (${seen})`
        : `no running database replica (${seen})`,
    );
  }
  return problems;
}

/**
 * Right before a drill kills the leader: waits (up to `timeoutMs`) until a member could take over,
 * so the drill measures a failover and not a replica that has just rejoined. Throws what is
 * missing when none could.
 */
export async function untilTakeoverPossible(
  lab: RunningLab,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<number> {
  let problems: string[] = ["no Patroni member answered"];
  const waited = await secondsUntil(
    async () => {
      problems = takeoverProblems(await patroniCluster(lab), lab.config.database.synchronous);
      return problems.length === 0;
    },
    timeoutMs,
    signal,
  );
  if (waited === null)
    throw new Error(
      `no member could take over from the database leader after ${timeoutMs / 1000} s: ${problems.join("; ")}`,
    );
  return waited;
}
