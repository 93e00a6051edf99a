/**
 * A rolling deploy of the app: migrations first (expand: both versions run on the new schema),
 * then one task at a time, start-first; every new task's readiness is probed inside it, then a
 * smoke test and a watch window run through Traefik. Any failure rolls back to the version that
 * ran before, at once, and says why.
 */
import { performance } from "node:perf_hooks";
import type { RunningLab } from "../running/lab.js";
import type { Engine } from "../runtime/docker.js";
import type { Log } from "../runtime/log.js";
import { updateService } from "../swarm/steer.js";
import { serviceTasks } from "../swarm/tasks.js";
import {
  type DeployOptions,
  type Failure,
  migrate,
  PROBE_EVERY_MS,
  ReadinessJudge,
  seconds,
  serviceSpec,
  silenceRestarts,
  sleep,
  smoke,
  startDelivery,
  watchWindow,
} from "./checks.js";
import {
  type Delivery,
  replicasOf,
  rollbackSpec,
  rollingSpec,
  type ServiceSpec,
  specImage,
} from "./plan.js";

/** Updates the app to `image` and follows it until done, or until a new task is not ready. */
async function rollout(
  lab: RunningLab,
  engine: Engine,
  image: string,
  opts: DeployOptions,
  log: Log,
  t0: number,
): Promise<Failure> {
  const service = `${lab.config.name}_app`;
  // The status of an earlier update (say, one Swarm rolled back) stays until this one starts.
  const earlier = (await serviceSpec(engine, service)).update?.StartedAt;
  await updateService<ServiceSpec>(engine, service, (spec) => rollingSpec(spec, image));
  const judge = new ReadinessJudge(lab, t0);
  const deadline = Date.now() + opts.timeoutS * 1000;
  while (Date.now() < deadline) {
    if (opts.signal?.aborted)
      return { failure: "interrupted", visibleAtMs: performance.now() - t0 };
    const [{ update: status }, tasks] = await Promise.all([
      serviceSpec(engine, service),
      serviceTasks(engine, service),
    ]);
    const update = status?.StartedAt !== earlier ? status : undefined;
    if (update?.State?.startsWith("rollback") || update?.State === "paused")
      return {
        failure: `Swarm stopped the update: ${update.Message ?? update.State}`,
        visibleAtMs: performance.now() - t0,
        servedNothing: true,
      };
    const fresh = tasks.filter((t) => t.image === image && t.state === "running");
    const failed = await judge.probe(fresh);
    if (failed) return { ...failed, servedNothing: true };
    const old = tasks.filter((t) => t.image !== image);
    const allReady = judge.allReady(fresh, lab.config.app.replicas);
    if (update?.State === "completed" && old.length === 0 && allReady)
      return { failure: null, visibleAtMs: null };
    log.detail(
      `  rollout: ${fresh.length}/${lab.config.app.replicas} new tasks running, ${old.length} old, update ${update?.State ?? "starting"}`,
    );
    await sleep(PROBE_EVERY_MS);
  }
  return {
    failure: `the rollout did not finish within ${opts.timeoutS} s`,
    visibleAtMs: performance.now() - t0,
  };
}

/**
 * Back to `image` (the version that ran before): when the new tasks served nothing and an old one
 * still runs, they all stop at once (rollbackSpec). Times from the update: until no task of another
 * version is meant to run, and until every replica runs `image` again; null when not reached.
 */
async function rollBack(
  lab: RunningLab,
  engine: Engine,
  image: string,
  timeoutS: number,
  servedNothing: boolean,
): Promise<{ goneMs: number | null; restoredMs: number | null }> {
  const t0 = performance.now();
  const service = `${lab.config.name}_app`;
  const before = await serviceTasks(engine, service);
  const fast = servedNothing && before.some((t) => t.image === image && t.state === "running");
  // The replicas the service has now (the remediator may have scaled it), not the configured ones.
  const { spec } = await serviceSpec(engine, service);
  const replicas = replicasOf(spec) ?? lab.config.app.replicas;
  await updateService<ServiceSpec>(engine, service, (spec) => rollbackSpec(spec, image, fast));
  let goneMs: number | null = null;
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    const tasks = await serviceTasks(engine, service);
    const running = tasks.filter((t) => t.state === "running");
    if (goneMs === null && running.length > 0 && running.every((t) => t.image === image))
      goneMs = performance.now() - t0;
    if (running.length >= replicas && tasks.every((t) => t.image === image))
      return { goneMs: goneMs ?? performance.now() - t0, restoredMs: performance.now() - t0 };
    await sleep(250);
  }
  return { goneMs, restoredMs: null };
}

/** Deploys `image` to the running lab; records nothing (the caller does). */
export async function deployRolling(
  lab: RunningLab,
  image: string,
  opts: DeployOptions,
  log: Log,
): Promise<Delivery> {
  const engine = lab.managerExcept();
  const service = `${lab.config.name}_app`;
  const from = specImage((await serviceSpec(engine, service)).spec);
  const { t0, done } = startDelivery(image, from, "rolling", opts);
  log.info(`deploying ${image} (running: ${from}), rolling, one task at a time`);
  await silenceRestarts(lab, `lab:${opts.kind} ${image}`, opts.timeoutS, log);
  try {
    await migrate(lab, engine, image, opts.timeoutS);
  } catch (err) {
    return done("failed", { reason: (err as Error).message });
  }
  const migrateS = seconds(performance.now() - t0);
  log.info(`  migrations at head with the new version (${migrateS} s)`);
  const rolloutStart = performance.now();
  let failure: Failure = await rollout(lab, engine, image, opts, log, t0);
  const rolloutS = failure.failure ? null : seconds(performance.now() - rolloutStart);
  if (!failure.failure) {
    log.info(`  every task runs ${image} and is ready (${rolloutS} s); smoke test through Traefik`);
    const smokeFailure = await smoke(lab);
    failure = smokeFailure
      ? { failure: `smoke test: ${smokeFailure}`, visibleAtMs: performance.now() - t0 }
      : failure;
  }
  if (!failure.failure) {
    log.info("  smoke test passed");
    const watched = await watchWindow(lab, opts, log);
    if (watched) failure = { failure: watched, visibleAtMs: performance.now() - t0 };
  }
  if (!failure.failure) return done("succeeded", { migrateS, rolloutS });
  log.warn(`${failure.failure}: rolling back to ${from}`);
  const sinceVisible = performance.now() - t0 - (failure.visibleAtMs ?? 0);
  const back = await rollBack(lab, engine, from, opts.timeoutS, failure.servedNothing === true);
  const after = (ms: number | null) =>
    ms !== null && back.restoredMs !== null && failure.visibleAtMs !== null
      ? Math.round(sinceVisible + ms) / 1000
      : null;
  const rollbackS = after(back.goneMs);
  const restoredS = after(back.restoredMs);
  if (restoredS !== null)
    log.info(
      `  rolled back: no task of ${image} runs ${rollbackS} s after the failure was visible, every replica runs ${from} again after ${restoredS} s`,
    );
  return done("rolled-back", { reason: failure.failure, rollbackS, restoredS, migrateS });
}
