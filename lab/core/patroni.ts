/** The database cluster as Patroni sees it, asked inside a member's container. */

import { execIn } from "../runtime/docker.js";
import type { RunningLab } from "./running.js";
import { runningTasks } from "./tasks.js";

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
