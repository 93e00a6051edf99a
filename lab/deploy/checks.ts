/**
 * What every strategy of a deploy does the same way: the migrate job, a new task's readiness probed
 * inside it, the smoke test and the watch window through Traefik, the restart alert's silence.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { silence } from "../alerts/silence.js";
import { EXIT, LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import { systemClock } from "../runtime/clock.js";
import type { Engine } from "../runtime/docker.js";
import type { Log } from "../runtime/log.js";
import { updateService } from "../swarm/steer.js";
import type { TaskInfo } from "../swarm/tasks.js";
import {
  type Delivery,
  type Probe,
  readinessFailed,
  type ServiceSpec,
  type Strategy,
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

/**
 * A deploy of `image` over `from` begins: refused when it is already the running version; `done`
 * makes its record, timed from now.
 */
export function startDelivery(
  image: string,
  from: string,
  strategy: Strategy,
  opts: Pick<DeployOptions, "kind" | "commit" | "commitAt">,
) {
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
    strategy,
    commit: opts.commit,
    commitAt: opts.commitAt,
    result,
    durationS: seconds(performance.now() - t0),
    ...extra,
  });
  return { t0, done };
}

export interface UpdateStatus {
  State?: string;
  StartedAt?: string;
  Message?: string;
}

export const sleep = (ms: number) => systemClock.sleep(ms);

export const seconds = (ms: number) => Math.round(ms) / 1000;

export async function serviceSpec(
  engine: Engine,
  service: string,
): Promise<{ spec: ServiceSpec; update?: UpdateStatus }> {
  const info = (await engine.services.inspect(service)) as {
    Spec: ServiceSpec;
    UpdateStatus?: UpdateStatus;
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

export type Readiness = "ready" | "not-ready" | "starting";

export async function taskReadiness(lab: RunningLab, task: TaskInfo): Promise<Readiness> {
  const node = lab.nodes.find((n) => n.name === task.node);
  if (!node || !task.container) return "starting";
  const r = await lab.driver
    .engine(node)
    .containers.exec(task.container, READY_CHECK, undefined, 5000)
    .catch(() => ({
      code: 2,
    }));
  return r.code === 0 ? "ready" : r.code === 1 ? "not-ready" : "starting";
}

export const READY_PROBES_TO_FAIL = 3;
export const PROBE_EVERY_MS = 1000;

/** Why a deploy must roll back (null: it need not), and when the failure became visible. */
export interface Failure {
  failure: string | null;
  visibleAtMs: number | null;
  /** the new version's tasks never became ready: Traefik sent them no request */
  servedNothing?: boolean;
}

/** Follows the readiness of a new version's tasks, probe after probe. */
export class ReadinessJudge {
  private readonly history = new Map<string, boolean[]>();
  private readonly firstFailure = new Map<string, number>();
  constructor(
    private readonly lab: RunningLab,
    private readonly t0: number,
  ) {}

  /** Probes each task once; a failure when one failed its last probes in a row. */
  async probe(fresh: TaskInfo[]): Promise<Failure | null> {
    for (const task of fresh) {
      const readiness = await taskReadiness(this.lab, task);
      if (readiness === "starting") continue; // not answering yet: Swarm's own checks judge a start
      const ok = readiness === "ready";
      const h = [...(this.history.get(task.id) ?? []), ok];
      this.history.set(task.id, h);
      if (!ok && !this.firstFailure.has(task.id))
        this.firstFailure.set(task.id, performance.now() - this.t0);
      if (ok) this.firstFailure.delete(task.id);
      if (readinessFailed(h, READY_PROBES_TO_FAIL))
        return {
          failure: `new task ${task.id.slice(0, 12)} on ${task.node} is not ready (/health/ready failed ${READY_PROBES_TO_FAIL} times, ${PROBE_EVERY_MS / 1000} s apart)`,
          visibleAtMs: this.firstFailure.get(task.id) ?? performance.now() - this.t0,
        };
    }
    return null;
  }

  /** At least `replicas` tasks, each ready at its last probe. */
  allReady(fresh: TaskInfo[], replicas: number): boolean {
    return fresh.length >= replicas && fresh.every((t) => this.history.get(t.id)?.at(-1) === true);
  }
}

/** ContainerRestarting's window (prometheus/rules/lab.yml): replacements counted over 15 min. */
const RESTART_WINDOW_S = 15 * 60;

/**
 * A deploy replaces every task, which ContainerRestarting (tasks replaced within 15 min) would
 * take for a crash loop and "repair" with a redeploy: silenced for the deploy and the rule's
 * window after it. The deploy's own probes judge the new version meanwhile.
 */
export async function silenceRestarts(
  lab: RunningLab,
  what: string,
  timeoutS: number,
  log: Log,
): Promise<void> {
  const until = new Date(Date.now() + (timeoutS * 2 + RESTART_WINDOW_S) * 1000);
  await silence(lab, { alertname: "ContainerRestarting", service: "app" }, until, what)
    .then((id) =>
      log.detail(`  ContainerRestarting for app silenced until ${until.toISOString()} (${id})`),
    )
    .catch((err: Error) => log.warn(`ContainerRestarting not silenced: ${err.message}`));
}

/** Runs the migrate job with `image` and waits for it to complete. */
export async function migrate(
  lab: RunningLab,
  engine: Engine,
  image: string,
  timeoutS: number,
): Promise<void> {
  const service = `${lab.config.name}_migrate`;
  await updateService<ServiceSpec>(engine, service, (spec) => withImage(spec, image));
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    const tasks = (await engine.services.tasks({ service: [service] })) as Array<{
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
async function probe(
  lab: RunningLab,
  host: string,
  headers: Record<string, string>,
): Promise<Probe> {
  try {
    const r = await lab.http.send("GET", lab.url(host, "/users?limit=1"), {
      headers,
      timeoutMs: 3000,
    });
    return { ok: r.status === 200, detail: `HTTP ${r.status} ${r.body.slice(0, 120)}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/**
 * A write and its removal through Traefik on `host` (app, or a colour's own host name): the new
 * version serves the API, not only /health. Null when it passed, else what failed. The user it
 * writes is inactive, with a random password.
 */
export async function smoke(lab: RunningLab, host = "app"): Promise<string | null> {
  try {
    const headers = await lab.adminHeaders();
    for (let i = 0; i < 6; i++) {
      const r = await probe(lab, host, headers);
      if (!r.ok) return `GET /users failed through Traefik (${lab.hostname(host)}): ${r.detail}`;
    }
    const stamp = Date.now();
    const created = await lab.http.send("POST", lab.url(host, "/users"), {
      headers: { ...headers, "idempotency-key": `deploy-smoke-${stamp}` },
      body: {
        email: `deploy-smoke-${stamp}@example.org`,
        full_name: "deploy smoke test",
        // Nobody can log in as it, even when an interrupted deploy leaves it behind: inactive,
        // and a password made for this one write and never kept.
        password: randomBytes(24).toString("base64url"),
        active: false,
      },
    });
    if (created.status !== 201) return `POST /users answered ${created.status}`;
    const id = (JSON.parse(created.body) as { id: number }).id;
    const removed = await lab.http.send("DELETE", lab.url(host, `/users/${id}`), { headers });
    if (removed.status !== 204) return `DELETE /users/${id} answered ${removed.status}`;
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Probes the app through Traefik for `watchS`; null when the error ratio stayed tolerated. */
export async function watchWindow(
  lab: RunningLab,
  opts: { watchS: number; maxErrorRatio: number; signal?: AbortSignal },
  log: Log,
): Promise<string | null> {
  log.info(`  watching the error ratio for ${opts.watchS} s`);
  const headers = await lab.adminHeaders();
  const probes: Probe[] = [];
  const until = performance.now() + opts.watchS * 1000;
  while (performance.now() < until && !opts.signal?.aborted) {
    probes.push(await probe(lab, "app", headers));
    await sleep(200);
  }
  if (opts.watchS === 0) return null;
  const verdict = watchVerdict(probes, opts.maxErrorRatio);
  log.info(`  watch window: ${verdict.detail}`);
  return verdict.ok ? null : `error ratio: ${verdict.detail}`;
}
