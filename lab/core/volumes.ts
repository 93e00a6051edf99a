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

/** Writes the volume's content as a tar file on the host (docker cp from a container never started). */
export async function exportVolume(
  engine: Engine,
  image: string,
  volume: string,
  lab: string,
  file: string,
): Promise<void> {
  const container = await scratch(engine, image, volume, lab);
  try {
    const stream = (await container.getArchive({ path: `${MOUNT}/.` })) as NodeJS.ReadableStream;
    await pipeline(stream, createWriteStream(file, { mode: 0o600 }));
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
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
  const container = await scratch(engine, image, volume, lab);
  try {
    // The archive's top entry is the folder "." of the export: it unpacks into /data.
    await container.putArchive(createReadStream(file), { path: MOUNT });
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** The image a service's tasks run (already on every node that ran one). */
export async function serviceImage(manager: Engine, service: string): Promise<string> {
  const spec = (await manager.getService(service).inspect()) as {
    Spec: { TaskTemplate: { ContainerSpec: { Image: string } } };
  };
  return spec.Spec.TaskTemplate.ContainerSpec.Image.split("@")[0] as string;
}
