/** Pure: the values the stack template needs, from the config and the image set. */
import { durationSeconds, type LabConfig } from "../config/schema.js";
import type { ImageSpec } from "../images/plan.js";
import { BACKUP_NODE_PATH } from "./nodes.js";
import { remediatorPolicy } from "./remediation.js";
import type { StackVars } from "./stack.js";

/** Every planned image as NAME_IMAGE ("node-exporter" -> NODE_EXPORTER_IMAGE). */
function imageVars(images: ImageSpec[]): StackVars {
  return Object.fromEntries(
    images.map((i) => [`${i.key.toUpperCase().replaceAll("-", "_")}_IMAGE`, i.ref]),
  );
}

export function stackVars(config: LabConfig, images: ImageSpec[], state: string): StackVars {
  const { logs, metrics } = config.observability;
  return {
    ...imageVars(images),
    DOMAIN: config.domain,
    HTTPS_PORT_SUFFIX: config.ports.https === 443 ? "" : `:${config.ports.https}`,
    APP_REPLICAS: config.app.replicas,
    PG_SYNCHRONOUS_MODE: String(config.database.synchronous),
    METRICS_RETENTION: metrics.retention,
    METRICS_MAX_SIZE_MIB: metrics.maxSizeMiB,
    LOGS_RETENTION: logs.retention,
    LOGS_MAX_SIZE_MIB: logs.maxSizeMiB,
    STATE: state,
    BACKUP_FULL_EVERY_S: durationSeconds(config.backup.full),
    BACKUP_DIFF_EVERY_S: durationSeconds(config.backup.diff),
    BACKUP_RETENTION_FULL: config.backup.retentionFull,
    BACKUP_REPO_DIR: BACKUP_NODE_PATH,
    ARCHIVE_TIMEOUT_S: config.backup.archiveTimeoutS,
    REMEDIATOR_POLICY: JSON.stringify(remediatorPolicy(config)),
    // docker-actions' own bound, whatever the remediator asks (its policy can be changed at run time)
    ACTIONS_MAX_REPLICAS: config.alerting.actions.scaleUp.max,
  };
}
