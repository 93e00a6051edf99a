/** Pure: what a deploy changes, what it records, and when it must roll back. */
import type { ImageSet } from "../images/plan.js";
import { EXAMPLE_IN_IMAGE, EXAMPLE_LABEL } from "./expand.js";

export const STRATEGIES = ["rolling", "blue-green"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** One line of the delivery history (.lab/deliveries.jsonl): every deploy and rollback. */
export interface Delivery {
  /** when it started (ISO 8601) */
  at: string;
  kind: "deploy" | "rollback";
  /** the image deployed, and the one that ran before */
  version: string;
  from: string;
  strategy: Strategy;
  /** the commit of the working tree it was built from, and the commit's time (lead time) */
  commit: string | null;
  commitAt: string | null;
  /** succeeded, rolled back automatically, or failed before the running version was touched */
  result: "succeeded" | "rolled-back" | "failed";
  reason?: string;
  durationS: number;
  /**
   * rolled back: seconds from the failure being visible to no task of the new version running
   * (the old version alone serves); then to every replica running it again (capacity restored)
   */
  rollbackS?: number | null;
  restoredS?: number | null;
  /** seconds the migrate job took, and the rollout (update started to every new task ready) */
  migrateS?: number;
  rolloutS?: number | null;
}

/** `swarm-lab/app:offline-…` -> offline: the set the running app was built for. */
export function imageSetOf(ref: string): ImageSet | null {
  const m = /:(official|offline)(-|$)/.exec(ref);
  return m ? (m[1] as ImageSet) : null;
}

/** The image a Swarm spec names, without the digest Swarm may append. */
export function specImage(spec: ServiceSpec): string {
  return spec.TaskTemplate.ContainerSpec.Image.replace(/@sha256:[0-9a-f]+$/, "");
}

export interface ServiceSpec {
  TaskTemplate: { ContainerSpec: { Image: string } & Record<string, unknown> } & Record<
    string,
    unknown
  >;
  UpdateConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

const SECOND_NS = 1_000_000_000;

/** A replicated service's replica count; null for a global one. */
export function replicasOf(spec: ServiceSpec): number | null {
  const mode = spec.Mode as { Replicated?: { Replicas?: number } } | undefined;
  return mode?.Replicated?.Replicas ?? null;
}

/** The same service running `image`: nothing else of its task changes. */
export function withImage<S extends ServiceSpec>(spec: S, image: string): S {
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: { ...spec.TaskTemplate.ContainerSpec, Image: image },
    },
  };
}

/**
 * A rolling update to `image`: one task at a time, the new one started (and healthy) before the
 * old one stops, which drains gracefully (the app's SIGTERM handling); Swarm rolls back by itself
 * when a new task fails to start, and the deploy watches readiness on top.
 */
export function rollingSpec<S extends ServiceSpec>(spec: S, image: string): S {
  return updateTo(spec, image, {
    Parallelism: 1,
    Order: "start-first",
    FailureAction: "rollback",
    Delay: 2 * SECOND_NS,
  });
}

/** `spec` running `image`, updated the way `how` says (each change watched for 5 s). */
function updateTo<S extends ServiceSpec>(spec: S, image: string, how: Record<string, unknown>): S {
  return {
    ...withImage(spec, image),
    UpdateConfig: { ...spec.UpdateConfig, ...how, Monitor: 5 * SECOND_NS },
  };
}

/**
 * How a rolling deploy goes back to `image`. When the new version's tasks never became ready
 * (Traefik's health check never sent them a request) and the old version still runs somewhere,
 * they serve nothing: all of them stop at once, before their replacements start, and the old
 * tasks go on serving (at less capacity for a few seconds). Otherwise (the new version served:
 * a failed smoke test or watch window) one task at a time, the old one started first, as a
 * deploy does, so capacity never drops.
 */
export function rollbackSpec<S extends ServiceSpec>(
  spec: S,
  image: string,
  servedNothing: boolean,
): S {
  if (!servedNothing) return rollingSpec(spec, image);
  return updateTo(spec, image, {
    Parallelism: 0,
    Order: "stop-first",
    FailureAction: "pause",
    Delay: 0,
  });
}

/**
 * A Dockerfile for a version made from the running one: the same code with a version label (a
 * release that changes nothing, for drills), or, broken, one whose readiness never passes (the
 * app finds a drain flag at start: a configuration mistake shipped in an image).
 */
export function derivedDockerfile(
  from: string,
  version: string,
  broken: boolean,
  example?: { fileName: string; revision: string },
): string {
  return [
    `FROM ${from}`,
    `LABEL lab.version="${version}"`,
    ...(broken ? ["ENV APP_DRAIN_FILE=/app/alembic.ini"] : []),
    // the example expand migration as the newest revision: the migrate job applies it
    ...(example
      ? [
          `COPY ${example.fileName} ${EXAMPLE_IN_IMAGE}`,
          `LABEL ${EXAMPLE_LABEL}="${example.revision}"`,
        ]
      : []),
    "",
  ].join("\n");
}

export interface Probe {
  ok: boolean;
  /** the answer or the error, for the message when it failed */
  detail?: string;
}

/** The watch window's verdict: the share of failed probes against the tolerated ratio. */
export function watchVerdict(
  probes: Probe[],
  maxErrorRatio: number,
): { ok: boolean; ratio: number; detail: string } {
  const failed = probes.filter((p) => !p.ok).length;
  if (probes.length === 0) return { ok: false, ratio: 1, detail: "no probe was answered" };
  const ratio = failed / probes.length;
  return {
    ok: ratio <= maxErrorRatio,
    ratio,
    detail: `${failed} of ${probes.length} probes failed (${(ratio * 100).toFixed(1)}%, at most ${(maxErrorRatio * 100).toFixed(1)}%)`,
  };
}

/** A new task failed readiness when its last `needed` probes all failed. */
export function readinessFailed(history: boolean[], needed: number): boolean {
  return history.length >= needed && history.slice(-needed).every((ok) => !ok);
}

/** The configured deploy settings, for a deploy or a rollback (without a commit: --image). */
export function deployOptions(
  config: { watchS: number; maxErrorRatio: number; timeoutS: number },
  kind: Delivery["kind"],
  commit: { commit: string | null; commitAt: string | null } = { commit: null, commitAt: null },
  watchS = config.watchS,
) {
  return {
    kind,
    watchS,
    maxErrorRatio: config.maxErrorRatio,
    timeoutS: config.timeoutS,
    ...commit,
  };
}
