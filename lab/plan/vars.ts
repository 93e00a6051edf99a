/** Pure: the values the stack template needs, from the config and the image set. */
import { durationSeconds, type LabConfig } from "../config/schema.js";
import { type ImageSpec, imageRef } from "../images/plan.js";
import type { StackVars } from "./stack.js";

export function stackVars(config: LabConfig, images: ImageSpec[], state: string): StackVars {
  return {
    DOMAIN: config.domain,
    APP_REPLICAS: config.app.replicas,
    APP_IMAGE: imageRef(images, "app"),
    POSTGRES_IMAGE: imageRef(images, "postgres"),
    ETCD_IMAGE: imageRef(images, "etcd"),
    PG_SYNCHRONOUS_MODE: String(config.database.synchronous),
    PROMETHEUS_IMAGE: imageRef(images, "prometheus"),
    TRAEFIK_IMAGE: imageRef(images, "traefik"),
    STATE: state,
    BACKUP_FULL_EVERY_S: durationSeconds(config.backup.full),
    BACKUP_DIFF_EVERY_S: durationSeconds(config.backup.diff),
    BACKUP_RETENTION_FULL: config.backup.retentionFull,
    ARCHIVE_TIMEOUT_S: config.backup.archiveTimeoutS,
  };
}
