/** Deploys: the rolling spec, the derived versions, the verdicts, the lock and the history. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  derivedDockerfile,
  imageSetOf,
  readinessFailed,
  replicasOf,
  rollbackSpec,
  rollingSpec,
  specImage,
  watchVerdict,
} from "../../lab/deploy/plan.js";
import { LabError } from "../../lab/errors.js";
import { readDeliveries, recordDelivery } from "../../lab/state/deliveries.js";
import { takeOperationLock } from "../../lab/state/lock.js";

const spec = {
  Name: "lab_app",
  TaskTemplate: {
    ContainerSpec: { Image: "swarm-lab/app:offline-0123456789ab@sha256:abcdef", Env: ["A=1"] },
    RestartPolicy: { Condition: "any" },
  },
  UpdateConfig: { Parallelism: 2, Order: "stop-first", FailureAction: "pause", MaxFailureRatio: 0 },
  Labels: { "traefik.enable": "true" },
};

describe("the rollback spec", () => {
  it("new tasks that served nothing: all stopped at once, before their replacements start", () => {
    const back = rollbackSpec(spec, "swarm-lab/app:offline-old", true);
    expect(back.TaskTemplate.ContainerSpec.Image).toBe("swarm-lab/app:offline-old");
    expect(back.TaskTemplate.RestartPolicy).toEqual(spec.TaskTemplate.RestartPolicy);
    expect(back.UpdateConfig).toMatchObject({ Parallelism: 0, Order: "stop-first", Delay: 0 });
    // Not "rollback": a failed start of the old version must not go back to the broken one.
    expect(back.UpdateConfig?.FailureAction).toBe("pause");
  });

  it("new tasks that served: one at a time, the old one started first, as a deploy", () => {
    const back = rollbackSpec(spec, "swarm-lab/app:offline-old", false);
    expect(back).toEqual(rollingSpec(spec, "swarm-lab/app:offline-old"));
    expect(back.UpdateConfig).toMatchObject({ Parallelism: 1, Order: "start-first" });
  });
});

it("the replicas a rollback waits for are the service's own (scaled or not), none when global", () => {
  expect(replicasOf({ ...spec, Mode: { Replicated: { Replicas: 5 } } })).toBe(5);
  expect(replicasOf({ ...spec, Mode: { Global: {} } })).toBeNull();
  expect(replicasOf(spec)).toBeNull();
});

describe("the rolling spec", () => {
  const next = rollingSpec(spec, "swarm-lab/app:offline-release-1");

  it("changes the image and nothing else of the task", () => {
    expect(next.TaskTemplate.ContainerSpec).toEqual({
      Image: "swarm-lab/app:offline-release-1",
      Env: ["A=1"],
    });
    expect(next.TaskTemplate.RestartPolicy).toEqual(spec.TaskTemplate.RestartPolicy);
    expect(next.Labels).toEqual(spec.Labels);
    expect(spec.TaskTemplate.ContainerSpec.Image).toMatch(/offline-0123/); // not mutated
  });

  it("replaces one task at a time, the new one first, and rolls back on a failed start", () => {
    expect(next.UpdateConfig).toMatchObject({
      Parallelism: 1,
      Order: "start-first",
      FailureAction: "rollback",
      MaxFailureRatio: 0,
    });
    expect((next.UpdateConfig as Record<string, unknown>).Monitor).toBe(5e9);
  });

  it("reads the running image without Swarm's digest, and its image set", () => {
    expect(specImage(spec)).toBe("swarm-lab/app:offline-0123456789ab");
    expect(imageSetOf("swarm-lab/app:offline-0123456789ab")).toBe("offline");
    expect(imageSetOf("swarm-lab/app:official-release-2026")).toBe("official");
    expect(imageSetOf("ghcr.io/me/app:1.2.3")).toBeNull();
  });
});

describe("derived versions", () => {
  it("a release is the running image with a version label only", () => {
    expect(derivedDockerfile("swarm-lab/app:offline-abc", "20261127", false)).toBe(
      'FROM swarm-lab/app:offline-abc\nLABEL lab.version="20261127"\n',
    );
  });

  it("a broken one ships a drain flag that exists, so readiness never passes", () => {
    const text = derivedDockerfile("swarm-lab/app:offline-abc", "1", true);
    expect(text).toMatch(/^ENV APP_DRAIN_FILE=\/app\/alembic\.ini$/m);
    // the file must exist in the app image: the Dockerfile copies it to /app
    expect(readFileSync(join(import.meta.dirname, "../../app/Dockerfile"), "utf8")).toMatch(
      /COPY .*alembic\.ini .*\.\//,
    );
  });
});

describe("verdicts", () => {
  it("the watch window fails over the tolerated ratio, and on no probe at all", () => {
    const probes = (ok: number, bad: number) => [
      ...Array.from({ length: ok }, () => ({ ok: true })),
      ...Array.from({ length: bad }, () => ({ ok: false })),
    ];
    expect(watchVerdict(probes(99, 1), 0.01).ok).toBe(true);
    expect(watchVerdict(probes(98, 2), 0.01)).toMatchObject({ ok: false, ratio: 0.02 });
    expect(watchVerdict([], 0.5)).toMatchObject({ ok: false, detail: "no probe was answered" });
  });

  it("a task failed readiness only after its last N probes all failed", () => {
    expect(readinessFailed([false, false], 3)).toBe(false);
    expect(readinessFailed([false, false, false], 3)).toBe(true);
    expect(readinessFailed([false, false, true], 3)).toBe(false);
    expect(readinessFailed([true, false, false, false], 3)).toBe(true);
  });
});

describe("the operation lock and the history", () => {
  let dir: string;
  const before = process.env.LAB_STATE_DIR;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "swarm-lab-state-"));
    process.env.LAB_STATE_DIR = dir;
  });
  afterEach(() => {
    if (before === undefined) delete process.env.LAB_STATE_DIR;
    else process.env.LAB_STATE_DIR = before;
  });

  it("refuses a second operation while a live process holds it, naming it", () => {
    writeFileSync(
      join(dir, "operation.lock"),
      JSON.stringify({
        what: "lab:drill node-down",
        pid: process.ppid,
        since: "2026-11-27T10:00:00Z",
      }),
    );
    expect(() => takeOperationLock("lab:deploy")).toThrow(LabError);
    expect(() => takeOperationLock("lab:deploy")).toThrow(
      /another operation is changing the lab: lab:drill node-down \(pid/,
    );
  });

  it("takes over a lock whose process is gone, and releases its own", () => {
    writeFileSync(
      join(dir, "operation.lock"),
      JSON.stringify({ what: "lab:deploy", pid: 2 ** 22 + 7, since: "x" }),
    );
    const release = takeOperationLock("lab:rollback");
    expect(JSON.parse(readFileSync(join(dir, "operation.lock"), "utf8")).what).toBe("lab:rollback");
    release();
    expect(() => readFileSync(join(dir, "operation.lock"))).toThrow();
  });

  it("records each delivery as a JSON line and reads them back; a broken line is named", () => {
    const d = {
      at: "2026-11-27T10:00:00Z",
      kind: "deploy" as const,
      version: "v2",
      from: "v1",
      strategy: "rolling" as const,
      commit: null,
      commitAt: null,
      result: "succeeded" as const,
      durationS: 40,
    };
    recordDelivery(d);
    recordDelivery({ ...d, version: "v3", from: "v2" });
    expect(readDeliveries().map((x) => x.version)).toEqual(["v2", "v3"]);
    writeFileSync(join(dir, "deliveries.jsonl"), '{"at":1}\nnot json\n');
    expect(() => readDeliveries()).toThrow(/deliveries.jsonl line 2 is not JSON/);
  });
});
