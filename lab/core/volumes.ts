/** A node's named volume, reached through throwaway containers on that node's engine. */
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Engine } from "../runtime/docker.js";

const MOUNT = "/data";

async function scratch(engine: Engine, image: string, volume: string, lab: string, cmd?: string) {
  return engine.createContainer({
    Image: image,
    Entrypoint: ["sh", "-c"],
    Cmd: [cmd ?? "true"],
    User: "0",
    Labels: { "lab.name": lab, "lab.kind": "scratch" },
    HostConfig: { Binds: [`${volume}:${MOUNT}`] },
  });
}

/** Runs a shell script as root with the volume on /data; returns its output, fails on non-zero. */
export async function runOnVolume(
  engine: Engine,
  image: string,
  volume: string,
  lab: string,
  script: string,
): Promise<string> {
  const container = await scratch(engine, image, volume, lab, script);
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })).toString();
    if (StatusCode !== 0)
      throw new Error(`on volume ${volume}: "${script}" exited ${StatusCode}: ${logs}`);
    return logs;
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** Calls `use` with a container (created, never started) that has the volume on /data. */
async function withIdle<T>(
  engine: Engine,
  image: string,
  volume: string,
  lab: string,
  use: (c: Awaited<ReturnType<typeof scratch>>) => Promise<T>,
): Promise<T> {
  const container = await scratch(engine, image, volume, lab);
  try {
    return await use(container);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** Writes the volume's content as a tar file on the host (docker cp from an idle container). */
export function exportVolume(
  engine: Engine,
  image: string,
  volume: string,
  lab: string,
  file: string,
): Promise<void> {
  return withIdle(engine, image, volume, lab, async (c) => {
    const stream = (await c.getArchive({ path: `${MOUNT}/.` })) as NodeJS.ReadableStream;
    await pipeline(stream, createWriteStream(file, { mode: 0o600 }));
  });
}

/** Replaces the volume's content with a tar file written by exportVolume. */
export async function importVolume(
  engine: Engine,
  image: string,
  volume: string,
  lab: string,
  file: string,
): Promise<void> {
  await runOnVolume(engine, image, volume, lab, `rm -rf ${MOUNT}/* ${MOUNT}/.[!.]*`);
  // The archive's top entry is the folder "." of the export: it unpacks into /data.
  await withIdle(engine, image, volume, lab, async (c) => {
    await c.putArchive(createReadStream(file), { path: MOUNT });
  });
}

/** The image a service's tasks run (already on every node that ran one). */
export async function serviceImage(manager: Engine, service: string): Promise<string> {
  const spec = (await manager.getService(service).inspect()) as {
    Spec: { TaskTemplate: { ContainerSpec: { Image: string } } };
  };
  return spec.Spec.TaskTemplate.ContainerSpec.Image.split("@")[0] as string;
}
