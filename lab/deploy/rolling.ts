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
import { type Delivery, rollingSpec, type ServiceSpec, specImage } from "./plan.js";

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
      };
    const fresh = tasks.filter((t) => t.image === image && t.state === "running");
    const failed = await judge.probe(fresh);
    if (failed) return failed;
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

/** Back to `image` (the version that ran before) and wait until only it runs. */
async function rollBack(
  lab: RunningLab,
  engine: Engine,
  image: string,
  timeoutS: number,
): Promise<boolean> {
  const service = `${lab.config.name}_app`;
  await updateService<ServiceSpec>(engine, service, (spec) => rollingSpec(spec, image));
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    const tasks = await serviceTasks(engine, service);
    const running = tasks.filter((t) => t.state === "running");
    if (running.length >= lab.config.app.replicas && tasks.every((t) => t.image === image))
      return true;
    await sleep(500);
  }
  return false;
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
  const back = await rollBack(lab, engine, from, opts.timeoutS);
  const rollbackS =
    back && failure.visibleAtMs !== null
      ? Math.round(performance.now() - t0 - failure.visibleAtMs) / 1000
      : null;
  return done("rolled-back", { reason: failure.failure, rollbackS, migrateS });
}
