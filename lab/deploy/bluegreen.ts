/**
 * A blue/green deploy of the app: migrations first (expand: both colours run on the new schema),
 * then green (a copy of the app service running the new version) is started beside blue, each of
 * its tasks probed ready, smoke-tested through Traefik on its own host name, and switched to in
 * one label update (colours.ts). Blue stays warm for lab:rollback, then is retired: rolled to the
 * new version while it takes no traffic, switched back to, and green removed, so the stack's app
 * service is again the one that serves.
 */
import { performance } from "node:perf_hooks";
import { EXIT, LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import { type Engine, ignoreNotFound, type ServiceCreate } from "../runtime/docker.js";
import type { Log } from "../runtime/log.js";
import { type Colours, clearColours, readColours, writeColours } from "../state/colours.js";
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
import { type ColourSpec, GREEN, greenSpec, isLive, switched } from "./colours.js";
import { type Delivery, rollingSpec, type ServiceSpec, specImage } from "./plan.js";

/** Traefik's Swarm provider refreshes every 2 s: a label change is seen by every Traefik after. */
const TRAEFIK_REFRESH_MS = 2000;
/** How long green's tasks keep serving the requests Traefik sent them before the switch back. */
const DRAIN_MS = 2 * TRAEFIK_REFRESH_MS + 1000;

const names = (lab: RunningLab) => ({
  blue: `${lab.config.name}_app`,
  green: `${lab.config.name}_${GREEN}`,
});

async function colourSpec(engine: Engine, service: string): Promise<ColourSpec | null> {
  try {
    return (await serviceSpec(engine, service)).spec as ColourSpec;
  } catch (err) {
    ignoreNotFound(err);
    return null;
  }
}

/** Moves the traffic to green (live) or back to blue, in one update of green's labels. */
async function route(lab: RunningLab, engine: Engine, live: boolean): Promise<void> {
  const { blue, green } = names(lab);
  const blueLabels = ((await serviceSpec(engine, blue)).spec as ColourSpec).Labels;
  await updateService<ColourSpec>(engine, green, (spec) =>
    switched(spec, blueLabels, lab.config.domain, live),
  );
}

/** Traffic back on blue, then green's tasks drained and green removed. */
async function dropGreen(lab: RunningLab, engine: Engine): Promise<void> {
  const { green } = names(lab);
  const spec = await colourSpec(engine, green);
  if (!spec) return;
  if (isLive(spec.Labels)) {
    await route(lab, engine, false);
    await sleep(DRAIN_MS);
  }
  await engine.services.remove(green);
}

/** Waits until `replicas` tasks of `service` run `image` and are ready, or one is not. */
async function ready(
  lab: RunningLab,
  engine: Engine,
  service: string,
  image: string,
  replicas: number,
  opts: DeployOptions,
  log: Log,
  t0: number,
): Promise<Failure> {
  const judge = new ReadinessJudge(lab, t0);
  const deadline = Date.now() + opts.timeoutS * 1000;
  while (Date.now() < deadline) {
    if (opts.signal?.aborted)
      return { failure: "interrupted", visibleAtMs: performance.now() - t0 };
    const tasks = await serviceTasks(engine, service);
    const fresh = tasks.filter((t) => t.image === image && t.state === "running");
    const failed = await judge.probe(fresh);
    if (failed) return failed;
    const old = tasks.filter((t) => t.image !== image);
    if (old.length === 0 && judge.allReady(fresh, replicas))
      return { failure: null, visibleAtMs: null };
    log.detail(
      `  ${service}: ${fresh.length}/${replicas} tasks of the new version running, ${old.length} old`,
    );
    await sleep(PROBE_EVERY_MS);
  }
  return {
    failure: `${service} was not ready within ${opts.timeoutS} s`,
    visibleAtMs: performance.now() - t0,
  };
}

/** Every Traefik must know green's routers (they refresh the Swarm provider every 2 s). */
const ROUTED_WITHIN_MS = 20_000;
const ROUTED_IN_A_ROW = 6;

/**
 * Waits until `host` answers /health/ready through the entry point several times in a row (the
 * edge spreads requests over the Traefiks): green's tasks can be ready before every Traefik has
 * read green's labels. Null once routed, else why not.
 */
async function routed(lab: RunningLab, host: string): Promise<string | null> {
  const deadline = Date.now() + ROUTED_WITHIN_MS;
  let inARow = 0;
  let last = "no answer";
  while (Date.now() < deadline) {
    const r = await lab.http
      // Each on a new connection: the edge spreads connections over the nodes' Traefiks in turn,
      // so "in a row" covers every Traefik, not only the one a kept-alive connection reaches.
      .send("GET", lab.url(host, "/health/ready"), { timeoutMs: 3000, fresh: true })
      .then((res) => `HTTP ${res.status}`)
      .catch((err: Error) => err.message);
    inARow = r === "HTTP 200" ? inARow + 1 : 0;
    last = r;
    if (inARow >= ROUTED_IN_A_ROW) return null;
    await sleep(r === "HTTP 200" ? 100 : 500);
  }
  return `${lab.hostname(host)} not routed by every Traefik within ${ROUTED_WITHIN_MS / 1000} s (last answer: ${last})`;
}

/** Refuses a deploy while an earlier blue/green deploy still keeps blue warm. */
export function refuseWhileWarm(): void {
  const c = readColours();
  if (c)
    throw new LabError(
      `a blue/green deploy of ${c.greenImage} still keeps ${c.blueImage} warm (until ${c.retireAt}, ${c.phase})`,
      "npm run lab:rollback switches back to it; npm run lab:deploy -- --retire keeps the new version and retires the old",
      EXIT.usage,
    );
}

/** Deploys `image` as green and switches to it; blue is left warm (readColours) on success. */
export async function deployBlueGreen(
  lab: RunningLab,
  image: string,
  opts: DeployOptions & { warmS: number },
  log: Log,
): Promise<Delivery> {
  refuseWhileWarm();
  const engine = lab.managerExcept();
  const { blue, green } = names(lab);
  const blueSpec = (await serviceSpec(engine, blue)).spec as ColourSpec;
  const from = specImage(blueSpec);
  const { t0, done } = startDelivery(image, from, "blue-green", opts);
  const replicas = blueSpec.Mode?.Replicated?.Replicas ?? lab.config.app.replicas;
  log.info(`deploying ${image} (blue runs ${from}), blue/green: ${replicas} green tasks`);
  await silenceRestarts(lab, `lab:${opts.kind} ${image}`, opts.timeoutS, log);
  // A green left by an interrupted deploy that never switched takes no traffic: start afresh.
  await dropGreen(lab, engine);
  try {
    await migrate(lab, engine, image, opts.timeoutS);
  } catch (err) {
    return done("failed", { reason: (err as Error).message });
  }
  const migrateS = seconds(performance.now() - t0);
  log.info(`  migrations at head with the new version (${migrateS} s); starting green`);
  const started = performance.now();
  // dockerode's types want every UpdateConfig field; the spec is Swarm's own, read back.
  const spec = greenSpec(blueSpec, lab.config.name, image, lab.config.domain, replicas);
  await engine.services.create(spec as unknown as ServiceCreate);
  let failure = await ready(lab, engine, green, image, replicas, opts, log, t0);
  if (!failure.failure) {
    log.info(
      `  green is ready (${seconds(performance.now() - started)} s); smoke test on ${lab.hostname(GREEN)}`,
    );
    const smoked = (await routed(lab, GREEN)) ?? (await smoke(lab, GREEN));
    if (smoked) failure = { failure: `smoke test: ${smoked}`, visibleAtMs: performance.now() - t0 };
  }
  let rolloutS: number | null = null;
  if (!failure.failure) {
    await route(lab, engine, true);
    rolloutS = seconds(performance.now() - started);
    log.info(
      `  switched: ${lab.hostname("app")} is served by green (${rolloutS} s after it started)`,
    );
    await sleep(TRAEFIK_REFRESH_MS);
    const watched = await watchWindow(lab, opts, log);
    if (watched) failure = { failure: watched, visibleAtMs: performance.now() - t0 };
  }
  if (!failure.failure) {
    writeColours({
      phase: "warm",
      blueImage: from,
      greenImage: image,
      switchedAt: new Date().toISOString(),
      retireAt: new Date(Date.now() + opts.warmS * 1000).toISOString(),
      pid: process.pid,
    });
    return done("succeeded", { migrateS, rolloutS });
  }
  log.warn(`${failure.failure}: traffic back on blue (${from}), green removed`);
  await dropGreen(lab, engine);
  const rollbackS =
    failure.visibleAtMs === null ? null : seconds(performance.now() - t0 - failure.visibleAtMs);
  return done("rolled-back", { reason: failure.failure, rollbackS, migrateS });
}

/**
 * Keeps blue warm until the retire time: "rolled-back" when lab:rollback switched back meanwhile,
 * "interrupted" on the signal (both colours left as they are), else "retire".
 */
export async function keepWarm(
  log: Log,
  signal?: AbortSignal,
): Promise<"retire" | "rolled-back" | "interrupted"> {
  const c = readColours();
  if (!c) return "rolled-back";
  log.info(
    `  ${c.blueImage} kept warm until ${c.retireAt}: npm run lab:rollback switches back at once`,
  );
  while (!signal?.aborted) {
    const now = readColours();
    if (now?.phase !== "warm") return "rolled-back";
    if (Date.now() >= Date.parse(now.retireAt)) return "retire";
    await sleep(500);
  }
  return "interrupted";
}

/** Blue rolled to the new version while green serves, traffic back on blue, green removed. */
export async function retire(
  lab: RunningLab,
  c: Colours,
  opts: DeployOptions,
  log: Log,
): Promise<number> {
  writeColours({ ...c, phase: "retiring" });
  const engine = lab.managerExcept();
  const { blue } = names(lab);
  const t0 = performance.now();
  log.info(`  retiring ${c.blueImage}: blue rolled to ${c.greenImage} while green serves`);
  await updateService<ServiceSpec>(engine, blue, (spec) => rollingSpec(spec, c.greenImage));
  const replicas =
    ((await serviceSpec(engine, blue)).spec as ColourSpec).Mode?.Replicated?.Replicas ??
    lab.config.app.replicas;
  const r = await ready(lab, engine, blue, c.greenImage, replicas, opts, log, t0);
  if (r.failure)
    throw new LabError(
      `blue could not be rolled to ${c.greenImage}: ${r.failure}; green still serves the app`,
      "npm run lab:deploy -- --retire tries again; npm run lab:status shows the tasks",
    );
  await dropGreen(lab, engine);
  clearColours();
  const s = seconds(performance.now() - t0);
  log.info(`  retired: blue runs ${c.greenImage} and serves the app again, green removed (${s} s)`);
  return s;
}

/** lab:rollback while blue is warm: traffic back on blue at once, green removed. */
export async function switchBack(lab: RunningLab, c: Colours, log: Log): Promise<Delivery> {
  const at = new Date().toISOString();
  const t0 = performance.now();
  const engine = lab.managerExcept();
  await dropGreen(lab, engine);
  clearColours();
  log.info(`  traffic back on blue (${c.blueImage}), green removed`);
  return {
    at,
    kind: "rollback",
    version: c.blueImage,
    from: c.greenImage,
    strategy: "blue-green",
    commit: null,
    commitAt: null,
    result: "succeeded",
    durationS: seconds(performance.now() - t0),
  };
}
