/** A node's named volume, reached through throwaway containers on that node's engine. */
import type { Engine } from "../runtime/docker.js";
import type { VolumeAccess } from "../runtime/engine.js";

/** A volume on one node, and an image already there to mount it with. */
export interface VolumeRef {
  engine: Engine;
  image: string;
  volume: string;
  /** lab name, for the throwaway containers' labels */
  lab: string;
}

const access = (v: VolumeRef): VolumeAccess => ({
  volume: v.volume,
  image: v.image,
  labels: { "lab.name": v.lab, "lab.kind": "scratch" },
});

/** Runs a shell script as root with the volume on /data; returns its output, fails on non-zero. */
export function runOnVolume(v: VolumeRef, script: string): Promise<string> {
  return v.engine.volumes.run(access(v), script);
}

/** Writes the volume's content as a tar file on the host (docker cp from an idle container). */
export function exportVolume(v: VolumeRef, file: string): Promise<void> {
  return v.engine.volumes.exportTo(access(v), file);
}

/** Replaces the volume's content with a tar file written by exportVolume. */
export function importVolume(v: VolumeRef, file: string): Promise<void> {
  return v.engine.volumes.importFrom(access(v), file);
}

/** The image a service's tasks run (already on every node that ran one). */
export async function serviceImage(manager: Engine, service: string): Promise<string> {
  const spec = (await manager.services.inspect(service)) as {
    Spec: { TaskTemplate: { ContainerSpec: { Image: string } } };
  };
  return spec.Spec.TaskTemplate.ContainerSpec.Image.split("@")[0] as string;
}
