/** Checks on Swarm services, through a manager's engine. */
import type { Engine } from "../runtime/docker.js";
import type { CheckResult } from "./poll.js";

interface TaskView {
  Spec?: { ContainerSpec?: unknown };
  Status?: { State?: string; Err?: string; Message?: string };
  DesiredState?: string;
  NodeID?: string;
}

export async function serviceTasks(engine: Engine, service: string): Promise<TaskView[]> {
  return (await engine.services.tasks({
    service: [service],
    "desired-state": ["running"],
  })) as TaskView[];
}

const UPDATING = new Set(["updating", "rollback_started", "paused", "rollback_paused"]);

/** A job is done when a task of its current spec completed; failed tasks say why. */
async function jobLacking(engine: Engine, name: string, spec?: string): Promise<string | null> {
  const tasks = (await engine.services.tasks({ service: [name] })) as TaskView[];
  const mine = tasks.filter((t) => JSON.stringify(t.Spec?.ContainerSpec) === spec);
  if (mine.some((t) => t.Status?.State === "complete")) return null;
  const err = mine.map((t) => t.Status?.Err).find(Boolean);
  const states = countBy(mine.map((t) => t.Status?.State ?? "unknown"));
  return `job ${name}: not complete [${states}]${err ? ` (last error: ${err})` : ""}`;
}

export function servicesConverged(
  engine: Engine,
  expected: Array<{ name: string; replicas: number; job?: true }>,
) {
  return async (): Promise<CheckResult> => {
    const lacking: string[] = [];
    const services = (await engine.services.list({ name: expected.map((e) => e.name) })) as Array<{
      Spec: { Name: string; TaskTemplate: { ContainerSpec?: unknown } };
      UpdateStatus?: { State?: string };
    }>;
    const current = new Map(
      services.map((s) => [s.Spec.Name, JSON.stringify(s.Spec.TaskTemplate.ContainerSpec)]),
    );
    for (const svc of services) {
      // A rolling update in progress still has old tasks (or none) on some nodes.
      const state = svc.UpdateStatus?.State;
      if (state && UPDATING.has(state)) lacking.push(`service ${svc.Spec.Name}: update ${state}`);
    }
    for (const { name, replicas, job } of expected) {
      if (job) {
        const lack = await jobLacking(engine, name, current.get(name));
        if (lack) lacking.push(lack);
        continue;
      }
      const tasks = await serviceTasks(engine, name);
      // Only tasks of the current spec count: right after a deploy, Swarm may not have started
      // the update yet, and the old tasks still run.
      const running = tasks.filter(
        (t) =>
          t.Status?.State === "running" &&
          JSON.stringify(t.Spec?.ContainerSpec) === current.get(name),
      ).length;
      if (running < replicas) {
        const err = tasks.map((t) => t.Status?.Err).find(Boolean);
        const states = countBy(tasks.map((t) => t.Status?.State ?? "unknown"));
        lacking.push(
          `service ${name}: ${running}/${replicas} tasks running [${states}]${err ? ` (last error: ${err})` : ""}`,
        );
      }
    }
    return { ok: lacking.length === 0, detail: lacking.join("; ") || "all converged" };
  };
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ") || "no task";
}
