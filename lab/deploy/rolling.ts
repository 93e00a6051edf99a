/**
 * A rolling deploy of the app: migrations first (expand: both versions run on the new schema),
 * then one task at a time, start-first; every new task's readiness is probed inside it, then a
 * smoke test and a watch window run through Traefik. Any failure rolls back to the version that
 * ran before, at once, and says why.
 */
import { performance } from "node:perf_hooks";
import { silence } from "../alerts/silence.js";
import type { RunningLab } from "../core/running.js";
import { updateService } from "../core/swarm.js";
import { serviceTasks, type TaskInfo } from "../core/tasks.js";
import { EXIT, LabError } from "../errors.js";
import { systemClock } from "../runtime/clock.js";
import { type Engine, execResult } from "../runtime/docker.js";
import type { Log } from "../runtime/log.js";
import {
  type Delivery,
  type Probe,
  readinessFailed,
  rollingSpec,
  type ServiceSpec,
  specImage,
  watchVerdict,
  withImage,
} from "./plan.js";

export interface DeployOptions {
  /** seconds of probes through Traefik after the rollout, and the failed share tolerated */
  watchS: number;
  maxErrorRatio: number;
  /** the longest a rollout (or a rollback) may take */
  timeoutS: number;
  kind: Delivery["kind"];
  commit: string | null;
  commitAt: string | null;
  signal?: AbortSignal;
}

const READY_PROBES_TO_FAIL = 3;
const PROBE_EVERY_MS = 1000;

async function serviceSpec(
  engine: Engine,
  service: string,
): Promise<{ spec: ServiceSpec; update?: UpdateStatus }> {
  const info = (await engine.getService(service).inspect()) as {
    Spec: ServiceSpec;
    UpdateStatus?: { State?: string; Message?: string };
  };
  return { spec: info.Spec, ...(info.UpdateStatus ? { update: info.UpdateStatus } : {}) };
}

/** The current image of the app service. */
export async function runningVersion(lab: RunningLab): Promise<string> {
  return specImage((await serviceSpec(lab.managerExcept(), `${lab.config.name}_app`)).spec);
}

/** 0: ready; 1: serving but not ready (503); 2: not serving yet (still starting). */
const READY_CHECK = [
  "python3",
  "-c",
  [
    "import urllib.request, urllib.error, sys",
    "try:",
    "    urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2)",
    "except urllib.error.HTTPError:",
    "    sys.exit(1)",
    "except Exception:",
    "    sys.exit(2)",
  ].join("\n"),
];

type Readiness = "ready" | "not-ready" | "starting";

async function taskReadiness(lab: RunningLab, task: TaskInfo): Promise<Readiness> {
  const node = lab.nodes.find((n) => n.name === task.node);
  if (!node || !task.container) return "starting";
  const r = await execResult(
    lab.driver.engine(node),
    task.container,
    READY_CHECK,
    undefined,
    5000,
  ).catch(() => ({
    code: 2,
  }));
  return r.code === 0 ? "ready" : r.code === 1 ? "not-ready" : "starting";
}

interface UpdateStatus {
  State?: string;
  StartedAt?: string;
  Message?: string;
}

/** ContainerRestarting's window (prometheus/rules/lab.yml): replacements counted over 15 min. */
const RESTART_WINDOW_S = 15 * 60;

const seconds = (ms: number) => Math.round(ms) / 1000;

const sleep = (ms: number) => systemClock.sleep(ms);

/** Runs the migrate job with `image` and waits for it to complete. */
async function migrate(
  lab: RunningLab,
  engine: Engine,
  image: string,
  timeoutS: number,
): Promise<void> {
  const service = `${lab.config.name}_migrate`;
  await updateService<ServiceSpec>(engine, service, (spec) => withImage(spec, image));
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    const tasks = (await engine.listTasks({ filters: { service: [service] } })) as Array<{
      Spec: { ContainerSpec: { Image: string } };
      Status: { State: string; Err?: string };
    }>;
    const mine = tasks.filter((t) => t.Spec.ContainerSpec.Image.startsWith(image));
    if (mine.some((t) => t.Status.State === "complete")) return;
    const failed = mine.filter((t) => ["failed", "rejected"].includes(t.Status.State));
    if (failed.length >= 3)
      throw new LabError(
        `the new version's migrations failed (${failed[0]?.Status.Err ?? "no error given"}); the running version is untouched`,
        `npm run lab:docker -- service logs ${service}`,
      );
    await sleep(1000);
  }
  throw new LabError(
    `the new version's migrations did not complete within ${timeoutS} s; the running version is untouched`,
    `npm run lab:docker -- service logs ${service}`,
  );
}

/** Probes through Traefik, as a user would: the API's list route with the admin's token. */
async function probe(lab: RunningLab, headers: Record<string, string>): Promise<Probe> {
  try {
    const r = await lab.http.send("GET", lab.url("app", "/users?limit=1"), {
      headers,
      timeoutMs: 3000,
    });
    return { ok: r.status === 200 };
  } catch {
    return { ok: false };
  }
}

/** A write and its removal through Traefik: the new version serves the API, not only /health. */
async function smoke(lab: RunningLab): Promise<string | null> {
  const headers = await lab.adminHeaders();
  for (let i = 0; i < 6; i++) {
    const r = await probe(lab, headers);
    if (!r.ok) return "GET /users failed through Traefik";
  }
  const stamp = Date.now();
  const created = await lab.http.send("POST", lab.url("app", "/users"), {
    headers: { ...headers, "idempotency-key": `deploy-smoke-${stamp}` },
    body: {
      email: `deploy-smoke-${stamp}@example.org`,
      full_name: "deploy smoke test",
      password: "a-long-password",
    },
  });
  if (created.status !== 201) return `POST /users answered ${created.status}`;
  const id = (JSON.parse(created.body) as { id: number }).id;
  const removed = await lab.http.send("DELETE", lab.url("app", `/users/${id}`), { headers });
  if (removed.status !== 204) return `DELETE /users/${id} answered ${removed.status}`;
  return null;
}

export interface Rollout {
  /** null when every new task was ready; else why, and when the failure became visible */
  failure: string | null;
  visibleAtMs: number | null;
}

/** Updates the app to `image` and follows it until done, or until a new task is not ready. */
async function rollout(
  lab: RunningLab,
  engine: Engine,
  image: string,
  opts: DeployOptions,
  log: Log,
  t0: number,
): Promise<Rollout> {
  const service = `${lab.config.name}_app`;
  // The status of an earlier update (say, one Swarm rolled back) stays until this one starts.
  const earlier = (await serviceSpec(engine, service)).update?.StartedAt;
  await updateService<ServiceSpec>(engine, service, (spec) => rollingSpec(spec, image));
  const history = new Map<string, boolean[]>();
  const firstFailure = new Map<string, number>();
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
    for (const task of fresh) {
      const readiness = await taskReadiness(lab, task);
      if (readiness === "starting") continue; // not answering yet: Swarm's own checks judge a start
      const ok = readiness === "ready";
      const h = [...(history.get(task.id) ?? []), ok];
      history.set(task.id, h);
      if (!ok && !firstFailure.has(task.id)) firstFailure.set(task.id, performance.now() - t0);
      if (ok) firstFailure.delete(task.id);
      if (readinessFailed(h, READY_PROBES_TO_FAIL))
        return {
          failure: `new task ${task.id.slice(0, 12)} on ${task.node} is not ready (/health/ready failed ${READY_PROBES_TO_FAIL} times, ${PROBE_EVERY_MS / 1000} s apart)`,
          visibleAtMs: firstFailure.get(task.id) ?? performance.now() - t0,
        };
    }
    const old = tasks.filter((t) => t.image !== image);
    const allReady =
      fresh.length >= lab.config.app.replicas &&
      fresh.every((t) => history.get(t.id)?.at(-1) === true);
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
  if (from === image)
    throw new LabError(
      `${image} is already the running version: nothing to deploy`,
      "change the app (a new build gets a new tag), or give another --image",
      EXIT.usage,
    );
  const at = new Date().toISOString();
  const t0 = performance.now();
  const done = (result: Delivery["result"], extra: Partial<Delivery> = {}): Delivery => ({
    at,
    kind: opts.kind,
    version: image,
    from,
    strategy: "rolling",
    commit: opts.commit,
    commitAt: opts.commitAt,
    result,
    durationS: Math.round(performance.now() - t0) / 1000,
    ...extra,
  });
  log.info(`deploying ${image} (running: ${from}), rolling, one task at a time`);
  // A rollout replaces every task, which ContainerRestarting (tasks replaced within 15 min)
  // would take for a crash loop and "repair" with a redeploy: silenced for the rollout, and the
  // rule's window after it. The deploy's own probes judge the new version meanwhile.
  const until = new Date(Date.now() + (opts.timeoutS * 2 + RESTART_WINDOW_S) * 1000);
  await silence(
    lab,
    { alertname: "ContainerRestarting", service: "app" },
    until,
    `lab:${opts.kind} ${image}`,
  )
    .then((id) =>
      log.detail(`  ContainerRestarting for app silenced until ${until.toISOString()} (${id})`),
    )
    .catch((err: Error) => log.warn(`ContainerRestarting not silenced: ${err.message}`));
  try {
    await migrate(lab, engine, image, opts.timeoutS);
  } catch (err) {
    return done("failed", { reason: (err as Error).message });
  }
  const migrateS = seconds(performance.now() - t0);
  log.info(`  migrations at head with the new version (${migrateS} s)`);
  const rolloutStart = performance.now();
  let failure: Rollout = await rollout(lab, engine, image, opts, log, t0);
  const rolloutS = failure.failure ? null : seconds(performance.now() - rolloutStart);
  if (!failure.failure) {
    log.info(`  every task runs ${image} and is ready (${rolloutS} s); smoke test through Traefik`);
    const smokeFailure = await smoke(lab).catch((e: Error) => e.message);
    failure = smokeFailure
      ? { failure: `smoke test: ${smokeFailure}`, visibleAtMs: performance.now() - t0 }
      : failure;
  }
  if (!failure.failure) {
    log.info(`  smoke test passed; watching the error ratio for ${opts.watchS} s`);
    const headers = await lab.adminHeaders();
    const probes: Probe[] = [];
    const until = performance.now() + opts.watchS * 1000;
    while (performance.now() < until && !opts.signal?.aborted) {
      probes.push(await probe(lab, headers));
      await sleep(200);
    }
    const verdict = watchVerdict(probes, opts.maxErrorRatio);
    log.info(`  watch window: ${verdict.detail}`);
    if (!verdict.ok)
      failure = { failure: `error ratio: ${verdict.detail}`, visibleAtMs: performance.now() - t0 };
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
