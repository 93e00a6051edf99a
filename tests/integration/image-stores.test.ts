/**
 * The lab's image path on the containerd image store (Docker Desktop's default, and fresh Docker
 * Engine 29 installs'), where an image's id is its manifest digest, not its configuration's.
 * The engine: Debian 13's docker.io (26.1) with the containerd snapshotter, in a container of its
 * own on this machine (tests/engines/containerd-store). The lab's code runs in that container's
 * network namespace (nsenter), as the CLI runs next to a local engine: it builds with the lab's
 * build step, starts the lab's registry, pushes, checks, pushes again. Then a lab node (the lab's
 * node image, Debian 12's classic-store engine) started on that engine pulls the served reference.
 * Last, a classroom: this machine's engine serves an offline image as a trainer does
 * (`lab images serve`), and the containerd-store engine loads it as a student's `up` does.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UNPRIVILEGED } from "../../lab/drivers/dind/flags.js";
import { EXIT } from "../../lab/errors.js";
import { serveClass, stopClass } from "../../lab/images/class-registry.js";
import { TrainerRegistry } from "../../lab/images/from-trainer.js";
import { BASE_IMAGE } from "../../lab/images/plan.js";
import { names } from "../../lab/plan/names.js";
import { registryHost } from "../../lab/plan/registry.js";
import { hostDocker, hostEngine } from "../../lab/runtime/docker.js";
import { DockerEngine } from "../../lab/runtime/dockerode.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { labImage, testCa } from "./support.js";

const run = promisify(execFile);
const ENGINE_IMAGE = "swarm-lab/engine-containerd:test";
const id = randomBytes(3).toString("hex");
const engineName = `swarm-lab-it-c8d-${id}`;
const lab = `c8d${id}`;
const host = hostDocker();
let engine: Docker;
let pid: number;

interface ImagePath {
  facts: { version: string; store: string; arch: string };
  ref: string;
  imageId: string;
  contentTagFromId: boolean;
  digests: string[];
  pushed: string[];
  pushMs: number;
  missingAfter: string[];
  pushedAgain: string[];
}
let path: ImagePath;

async function until<T>(what: string, probe: () => Promise<T>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      return await probe();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`${what} after ${ms / 1000} s: ${String(last)}`);
}

/** `docker save` on this machine's engine, `docker load` on the one under test. */
async function send(refs: string[]) {
  const tar = (await (
    host as unknown as { getImages(o: { names: string[] }): Promise<NodeJS.ReadableStream> }
  ).getImages({ names: refs })) as NodeJS.ReadableStream;
  const stream = await engine.loadImage(tar, { quiet: true });
  await new Promise((resolve, reject) =>
    engine.modem.followProgress(stream, (err, out) => (err ? reject(err) : resolve(out))),
  );
}

/** A command in a container of the engine under test, through the lab's engine port. */
async function execIn(container: string, cmd: string[]): Promise<string> {
  const r = await new DockerEngine(engine).containers.exec(container, cmd, undefined, 120_000);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  const base = await labImage("registry").then(() => BASE_IMAGE);
  await run(
    "docker",
    [
      "build",
      "-q",
      "-t",
      ENGINE_IMAGE,
      "--build-arg",
      `BASE=${base}`,
      "tests/engines/containerd-store",
    ],
    { cwd: REPO_ROOT, env: { ...process.env, DOCKER_BUILDKIT: "0" } },
  );
  const c = await host.createContainer({
    name: engineName,
    Image: ENGINE_IMAGE,
    Labels: { "lab.test": "image-stores" },
    HostConfig: { ...UNPRIVILEGED, Init: true, Binds: [`${engineName}:/var/lib/docker`] },
  });
  await c.start();
  const info = await c.inspect();
  pid = info.State.Pid;
  engine = new Docker({
    host: info.NetworkSettings.Networks.bridge?.IPAddress,
    port: 2375,
    protocol: "http",
  });
  await until("the engine under test answers", () => engine.info(), 60_000);
  await send([BASE_IMAGE, await labImage("registry"), await labImage("node")]);
  const { stdout } = await run(
    "nsenter",
    [
      ...["-t", String(pid), "-n", "--"],
      join(REPO_ROOT, "node_modules/.bin/tsx"),
      "tests/engines/containerd-store/image-path.ts",
      lab,
      await labImage("registry"),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, DOCKER_HOST: "tcp://127.0.0.1:2375" },
      timeout: 240_000,
    },
  );
  path = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
}, 600_000);

afterAll(async () => {
  await stopClass(hostEngine());
  await host
    .getContainer(engineName)
    .remove({ force: true, v: true })
    .catch(() => {});
  await host
    .getVolume(engineName)
    .remove()
    .catch(() => {});
});

describe("the containerd image store (Docker Desktop, Engine 29)", () => {
  it("is what the engine under test runs, and the lab says so", () => {
    expect(path.facts).toMatchObject({ store: "containerd", arch: "amd64" });
    expect(path.facts.version).toMatch(/^26\./);
  });

  it("names a built image by its manifest digest, which the content tag follows", () => {
    expect(path.contentTagFromId).toBe(true);
    expect(path.digests).toContain(path.imageId);
  });

  it("pushes to the lab's registry, then finds it served as the engine holds it (no second push)", () => {
    expect(path.pushed).toEqual([path.ref]);
    expect(path.missingAfter).toEqual([]);
    expect(path.pushedAgain).toEqual([]);
  });

  it("a lab node (classic store) pulls the served reference: the very manifest, and runs it", async () => {
    const node = `${lab}-node-it`;
    const network = names.network(lab);
    const n = await engine.createContainer({
      name: node,
      Image: await labImage("node"),
      // The node image's engine without its TLS wait: only the pull is under test here.
      Entrypoint: ["sh", "-c"],
      Cmd: [
        "mount -o remount,rw /sys; for d in /sys/fs/cgroup/*/; do mount -o remount,rw,bind $d $d; done; " +
          `exec dockerd --host=unix:///var/run/docker.sock --insecure-registry=${registryHost(lab)}`,
      ],
      HostConfig: {
        ...UNPRIVILEGED,
        Init: true,
        NetworkMode: network,
        Binds: [`${node}:/var/lib/docker`],
      },
    });
    await n.start();
    await until("the node's engine answers", () => execIn(node, ["docker", "info"]), 60_000);
    const served = `${registryHost(lab)}/${path.ref}`;
    await execIn(node, ["docker", "pull", "-q", served]);
    const repoDigests = await execIn(node, [
      "docker",
      "image",
      "inspect",
      "-f",
      "{{json .RepoDigests}}",
      served,
    ]);
    expect(JSON.parse(repoDigests)).toEqual([
      `${served.slice(0, served.lastIndexOf(":"))}@${path.imageId}`,
    ]);
    expect(
      await execIn(node, ["docker", "run", "--rm", served, "cat", "/etc/lab-probe-stamp"]),
    ).toBe("containerd-store probe");
  });
});

describe("a classroom: the trainer's registry, a student's engine", () => {
  it("serves an offline image over HTTPS with the trainer's CA; the student's engine loads it, nothing built", async () => {
    const trainerCa = await testCa();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const ref = await labImage("docker-proxy");
    const served = await serveClass(hostEngine(), {
      port,
      bind: "127.0.0.1",
      addresses: [],
      ca: trainerCa.ca,
      set: "offline",
      refs: [ref],
    });
    expect(served.refs).toEqual([ref]);
    const student = new DockerEngine(engine);
    expect(await student.images.find(ref)).toBeUndefined();

    const stranger = await testCa();
    const wrong = new TrainerRegistry({
      address: `127.0.0.1:${port}`,
      ca: stranger.ca.cert,
      caFile: "stranger.crt",
    });
    const refused = await wrong.load(student, ref, "amd64").catch((e) => e);
    await wrong.close();
    expect(refused.message).toMatch(/does not present a certificate of the CA in stranger\.crt/);
    expect(refused.exitCode).toBe(EXIT.usage);
    expect(
      await student.images.find(ref),
      "nothing loaded with a CA that does not match",
    ).toBeUndefined();

    const right = new TrainerRegistry({
      address: `127.0.0.1:${port}`,
      ca: trainerCa.ca.cert,
      caFile: "ca.crt",
    });
    const t0 = Date.now();
    const id = await right.load(student, ref, "amd64");
    const loadMs = Date.now() - t0;
    await right.close();
    const loaded = await student.images.find(ref);
    expect(loaded?.Id).toBe(id);
    expect(loaded?.Config.Labels?.["lab.image"]).toBe("docker-proxy");
    const mine = await hostEngine().images.find(ref);
    expect(loaded?.Config.Cmd ?? null).toEqual(mine?.Config.Cmd ?? null);
    console.log(`trainer -> student (containerd store): ${ref} loaded in ${loadMs} ms`);
  });
});
