/**
 * The lab's registry on the host engine: the serving (read-only) container on the lab's network,
 * and, only while images are pushed, a writable one on loopback sharing its volume.
 */
import { EXIT, LabError } from "../errors.js";
import {
  hostRef,
  MANIFEST_ACCEPT,
  manifestPath,
  planRegistry,
  REGISTRY_PORT,
  type RegistryContainer,
  repoAndTag,
  servedRef,
  servesHostImage,
} from "../plan/registry.js";
import type { Engine } from "../runtime/docker.js";
import { fetchText, statusOf } from "../runtime/http.js";
import { waitFor } from "../wait/poll.js";

const PORT = `${REGISTRY_PORT}/tcp`;

/** A running registry container: its loopback port and the image it runs; undefined otherwise. */
async function running(
  host: Engine,
  name: string,
): Promise<{ port: number; image: string } | undefined> {
  const info = await host.containers.find(name);
  const port = info?.NetworkSettings.Ports?.[PORT]?.[0]?.HostPort;
  return info?.State.Running && port ? { port: Number(port), image: info.Config.Image } : undefined;
}

async function start(host: Engine, c: RegistryContainer, image: string, volume: string) {
  await host.containers.remove(c.name);
  await host.containers.run({
    name: c.name,
    Image: image,
    Labels: c.labels,
    Cmd: [`/etc/docker/registry/${c.config}.yml`],
    ExposedPorts: { [PORT]: {} },
    HostConfig: {
      Binds: [`${volume}:/var/lib/docker-registry`],
      // Loopback only: the host checks and pushes there; the nodes use the lab's network.
      PortBindings: { [PORT]: [{ HostIp: "127.0.0.1", HostPort: "" }] },
      NetworkMode: c.network ?? "bridge",
      RestartPolicy: { Name: c.network ? "unless-stopped" : "no" },
    },
  });
  const port = (await running(host, c.name))?.port;
  if (!port) throw new Error(`registry ${c.name} started without a loopback port`);
  await waitFor(
    `registry ${c.name} on 127.0.0.1:${port}`,
    async () => {
      const status = await statusOf(`http://127.0.0.1:${port}/v2/`, { timeoutMs: 2000 });
      return { ok: status === 200, detail: `GET /v2/ answered ${status}` };
    },
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      hint: `its log: docker logs ${c.name}`,
    },
  );
  return port;
}

/** The serving registry, running the given image (started or replaced); its loopback port. */
export async function ensureRegistry(host: Engine, lab: string, image: string): Promise<number> {
  const plan = planRegistry(lab);
  const now = await running(host, plan.serve.name);
  if (now?.image === image) return now.port;
  await host.volumes.create(plan.volume.name, plan.volume.labels);
  return start(host, plan.serve, image, plan.volume.name);
}

/**
 * The references (host names) the registry at `port` does not hold as the host has them: absent,
 * or a manifest that names none of the digests the host's engine knows the image by (whichever
 * its image store: see servedDigests).
 */
export async function notServed(host: Engine, port: number, refs: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const ref of refs) {
    const { status, body, headers } = await fetchText(
      `http://127.0.0.1:${port}${manifestPath(ref)}`,
      {
        headers: { accept: MANIFEST_ACCEPT },
      },
    );
    if (status === 404) {
      missing.push(ref);
      continue;
    }
    if (status !== 200)
      throw new Error(`the lab's registry answered ${status} for ${ref} (expected 200 or 404)`);
    const served = { digest: headers["docker-content-digest"] || null, body };
    if (!servesHostImage(served, await hostDigests(host, ref))) missing.push(ref);
  }
  return missing;
}

async function hostDigests(host: Engine, ref: string): Promise<string[]> {
  const digests = await host.images.digests(ref);
  if (digests) return digests;
  throw new LabError(
    `image ${ref} is not on this machine's Docker engine, so it cannot be pushed to the lab's registry`,
    "make it first (npm run lab:up builds the lab's images; docker images lists what exists)",
    EXIT.usage,
  );
}

async function pushOne(host: Engine, port: number, ref: string): Promise<void> {
  const { repo, tag } = repoAndTag(ref);
  const local = `127.0.0.1:${port}/${repo}`;
  await host.images.tag(ref, local, tag);
  try {
    await host.images.push(local, tag, `pushing ${ref} to the lab's registry`, 10 * 60_000);
  } finally {
    await host.images.remove(`${local}:${tag}`);
  }
}

/**
 * Pushes `refs` into a registry's store (`volume`) through a writable twin on loopback (the
 * engine pushes to 127.0.0.0/8 over HTTP without any configuration), removed afterwards.
 */
export async function pushThroughTwin(
  host: Engine,
  twin: RegistryContainer,
  image: string,
  volume: string,
  refs: string[],
): Promise<void> {
  const port = await start(host, twin, image, volume);
  try {
    // One at a time: layers shared by several images (the Debian base) are uploaded once.
    for (const ref of refs) await pushOne(host, port, ref);
  } finally {
    await host.containers.remove(twin.name);
  }
}

/**
 * Pushes what the registry lacks through a writable registry on loopback (the engine pushes to
 * 127.0.0.0/8 over HTTP without any configuration), removed afterwards; returns what it pushed.
 */
export async function pushMissing(
  host: Engine,
  lab: string,
  image: string,
  servePort: number,
  refs: string[],
): Promise<string[]> {
  const missing = await notServed(host, servePort, refs);
  if (missing.length === 0) return missing;
  const plan = planRegistry(lab);
  await pushThroughTwin(host, plan.push, image, plan.volume.name, missing);
  const still = await notServed(host, servePort, missing);
  if (still.length > 0)
    throw new Error(
      `pushed, but the lab's registry does not serve ${still.join(", ")} as this engine has it`,
    );
  return missing;
}

/**
 * The served reference of `ref` (a host or a served reference), pushed first if the running
 * lab's registry lacks it: what lab:deploy, lab:rollback and the deploy drills ship.
 */
export async function serve(host: Engine, lab: string, ref: string): Promise<string> {
  const name = planRegistry(lab).serve.name;
  const now = await running(host, name);
  if (!now)
    throw new LabError(
      `the lab's registry (container ${name}) is not running, so the nodes cannot get ${ref}`,
      "start the lab again: npm run lab:up (it starts the registry)",
      EXIT.notRunning,
    );
  await pushMissing(host, lab, now.image, now.port, [hostRef(ref)]);
  return servedRef(lab, ref);
}
