/**
 * The remediator seen from the lab: its decisions, and its policy changed for a while (drills and
 * tests use short quiet periods and low thresholds, then put swarm-lab.yaml's policy back).
 */

import { EXIT, LabError } from "../errors.js";
import type { RemediatorPolicy } from "../plan/remediation.js";
import type { RunningLab } from "../running/lab.js";
import { systemClock } from "../runtime/clock.js";
import { updateService } from "../swarm/steer.js";
import { getJson } from "./read.js";
import type { AmAlert, Decision } from "./view.js";

const POLICY_ENV = "REMEDIATOR_POLICY";

export const readDecisions = (lab: RunningLab) =>
  getJson<Decision[]>(lab, "/remediator/decisions", "the remediator");

export const activeAlerts = (lab: RunningLab) =>
  getJson<AmAlert[]>(lab, "/api/v2/alerts?active=true&silenced=false", "Alertmanager");

interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  Spec: {
    Mode: { Replicated?: { Replicas: number } };
    TaskTemplate: { ContainerSpec: { Env?: string[] } };
  } & Record<string, unknown>;
}

async function inspect(lab: RunningLab, service: string): Promise<ServiceInfo> {
  return (await lab.manager().services.inspect(`${lab.config.name}_${service}`)) as ServiceInfo;
}

export async function replicasOf(lab: RunningLab, service: string): Promise<number> {
  return (await inspect(lab, service)).Spec.Mode.Replicated?.Replicas ?? 0;
}

export async function currentPolicy(lab: RunningLab): Promise<RemediatorPolicy> {
  const env = (await inspect(lab, "remediator")).Spec.TaskTemplate.ContainerSpec.Env ?? [];
  const line = env.find((e) => e.startsWith(`${POLICY_ENV}=`));
  if (!line)
    throw new LabError("the remediator has no policy", "npm run lab:up deploys it", EXIT.failure);
  return JSON.parse(line.slice(POLICY_ENV.length + 1)) as RemediatorPolicy;
}

/** Replaces the remediator's policy and waits until its new task answers through Traefik. */
export async function setPolicy(lab: RunningLab, policy: RemediatorPolicy): Promise<void> {
  const info = await inspect(lab, "remediator");
  const value = JSON.stringify(policy);
  await updateService(
    lab.manager(),
    info.ID,
    (spec: typeof info.Spec & Record<string, unknown>) => {
      const env = (spec.TaskTemplate.ContainerSpec.Env ?? []).filter(
        (e) => !e.startsWith(`${POLICY_ENV}=`),
      );
      spec.TaskTemplate.ContainerSpec.Env = [...env, `${POLICY_ENV}=${value}`];
      return spec;
    },
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    const answered = await getJson<string>(lab, "/remediator/policy", "the remediator").catch(
      () => null,
    );
    if (answered !== null && JSON.stringify(answered) === JSON.stringify(policy)) return;
    if (Date.now() > deadline)
      throw new LabError("the remediator did not come back with its new policy within 90 s");
    await systemClock.sleep(1000);
  }
}

export type Patch = {
  dryRun?: boolean;
  rateLimit?: Partial<RemediatorPolicy["rateLimit"]>;
  actions?: { [K in keyof RemediatorPolicy["actions"]]?: Partial<RemediatorPolicy["actions"][K]> };
  thresholds?: Record<string, number>;
};

/** Pure: the policy with a patch applied, action by action. */
export function patched(policy: RemediatorPolicy, patch: Patch): RemediatorPolicy {
  const actions = structuredClone(policy.actions);
  for (const [name, change] of Object.entries(patch.actions ?? {})) {
    Object.assign(actions[name as keyof typeof actions], change);
  }
  return {
    ...policy,
    dryRun: patch.dryRun ?? policy.dryRun,
    rateLimit: { ...policy.rateLimit, ...patch.rateLimit },
    actions,
    thresholds: { ...policy.thresholds, ...patch.thresholds },
  };
}

/** Runs `fn` under a patched policy, then puts the previous one back (also on failure). */
export async function withPolicy<T>(
  lab: RunningLab,
  patch: Patch,
  fn: () => Promise<T>,
): Promise<T> {
  const before = await currentPolicy(lab);
  await setPolicy(lab, patched(before, patch));
  try {
    return await fn();
  } finally {
    await setPolicy(lab, before);
  }
}
