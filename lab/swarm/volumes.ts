/** A node's named volume, reached through throwaway containers on that node's engine. */
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { demuxLogs, type Engine } from "../runtime/docker.js";

const MOUNT = "/data";

/** A volume on one node, and an image already there to mount it with. */
export interface VolumeRef {
  engine: Engine;
  image: string;
  volume: string;
  /** lab name, for the throwaway containers' labels */
  lab: string;
}

function scratch(v: VolumeRef, cmd = "true") {
  return v.engine.createContainer({
    Image: v.image,
    Entrypoint: ["sh", "-c"],
    Cmd: [cmd],
    User: "0",
    Labels: { "lab.name": v.lab, "lab.kind": "scratch" },
    HostConfig: { Binds: [`${v.volume}:${MOUNT}`] },
  });
}

/** Calls `use` with a container holding the volume on /data, and removes it afterwards. */
async function withScratch<T>(
  v: VolumeRef,
  cmd: string | undefined,
  use: (c: Awaited<ReturnType<typeof scratch>>) => Promise<T>,
): Promise<T> {
  const container = await scratch(v, cmd);
  try {
    return await use(container);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** Runs a shell script as root with the volume on /data; returns its output, fails on non-zero. */
export function runOnVolume(v: VolumeRef, script: string): Promise<string> {
  return withScratch(v, script, async (container) => {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = demuxLogs(await container.logs({ stdout: true, stderr: true }));
    if (StatusCode !== 0)
      throw new Error(`on volume ${v.volume}: "${script}" exited ${StatusCode}: ${logs}`);
    return logs;
  });
}

/** Writes the volume's content as a tar file on the host (docker cp from an idle container). */
export function exportVolume(v: VolumeRef, file: string): Promise<void> {
  return withScratch(v, undefined, async (c) => {
    const stream = (await c.getArchive({ path: `${MOUNT}/.` })) as NodeJS.ReadableStream;
    await pipeline(stream, createWriteStream(file, { mode: 0o600 }));
  });
}

/** Replaces the volume's content with a tar file written by exportVolume. */
export async function importVolume(v: VolumeRef, file: string): Promise<void> {
  await runOnVolume(v, `rm -rf ${MOUNT}/* ${MOUNT}/.[!.]*`);
  // The archive's top entry is the folder "." of the export: it unpacks into /data.
  await withScratch(v, undefined, async (c) => {
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
