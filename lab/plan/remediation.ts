/** Pure: swarm-lab.yaml's `alerting` section -> the remediator's policy (its JSON environment). */
import { durationSeconds, type LabConfig } from "../config/schema.js";
import { names } from "./names.js";

export interface RemediatorPolicy {
  stack: string;
  dryRun: boolean;
  rateLimit: { max: number; perS: number };
  actions: {
    "scale-up": { enabled: boolean; cooldownS: number; max: number; quietS: number };
    backup: { enabled: boolean; cooldownS: number };
    redeploy: { enabled: boolean; cooldownS: number };
    rebalance: { enabled: boolean; cooldownS: number };
  };
  /** Exported as lab_alert_threshold{name}: the rules compare against them. */
  thresholds: Record<string, number>;
}

export function remediatorPolicy(config: LabConfig): RemediatorPolicy {
  const { dryRun, rateLimit, actions, thresholds } = config.alerting;
  const simple = (a: { enabled: boolean; cooldown: string }) => ({
    enabled: a.enabled,
    cooldownS: durationSeconds(a.cooldown),
  });
  return {
    stack: names.stack(config.name),
    dryRun,
    rateLimit: { max: rateLimit.actions, perS: durationSeconds(rateLimit.per) },
    actions: {
      "scale-up": {
        ...simple(actions.scaleUp),
        max: actions.scaleUp.max,
        quietS: durationSeconds(actions.scaleUp.quietPeriod),
      },
      backup: simple(actions.backup),
      redeploy: simple(actions.redeploy),
      rebalance: simple(actions.rebalance),
    },
    thresholds: {
      app_latency_p95_seconds: thresholds.appLatencyP95,
      app_cpu_cores: thresholds.appCpu,
      ...(thresholds.backupMaxAge
        ? { backup_max_age_seconds: durationSeconds(thresholds.backupMaxAge) }
        : {}),
    },
  };
}
