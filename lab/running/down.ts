/**
 * Removes what the lab created, found by its labels, and nothing else. Safe to rerun. Volumes
 * labelled lab.keep (the backup repository) stay unless `purge`.
 */
import type { NodeDriver } from "../drivers/types.js";
import { IMAGE_LABEL } from "../images/plan.js";
import { LABEL_KEEP, LABEL_LAB } from "../plan/names.js";
import { LABEL_IMAGE_STORE } from "../plan/registry.js";
import type { Engine } from "../runtime/docker.js";

export interface DownResult {
  containers: string[];
  volumes: string[];
  networks: string[];
  images: string[];
  /** volumes kept for the next lab (the backup repository) */
  kept: string[];
  /** the registry's store, kept with the images (--keep-images) */
  keptImages: string[];
  /** images left because something else still uses them (a container, a child image) */
  imagesInUse: string[];
  /** what was done on nodes the lab did not create as containers (hosts, VMs) */
  nodes: string[];
}

export interface DownOptions {
  keepImages: boolean;
  /** also remove the volumes labelled lab.keep */
  purge: boolean;
}

/** The volumes `lab:down` keeps unless --purge: what a purge would delete. */
export async function keptVolumes(host: Engine, lab: string): Promise<string[]> {
  const found = await host.volumes.list({ label: [`${LABEL_LAB}=${lab}`, LABEL_KEEP] });
  return found.map((v) => v.Name).sort();
}

const containerName = (c: { Names: string[]; Id: string }) =>
  (c.Names[0] ?? c.Id).replace(/^\//, "");

export async function takeDown(
  host: Engine,
  driver: NodeDriver,
  lab: string,
  opts: DownOptions,
): Promise<DownResult> {
  const result: DownResult = {
    containers: [],
    volumes: [],
    networks: [],
    images: [],
    kept: [],
    keptImages: [],
    imagesInUse: [],
    nodes: [],
  };
  const byLabel = { label: [`${LABEL_LAB}=${lab}`] };
  for (const c of await host.containers.list(byLabel, true)) {
    await host.containers.remove(c.Id, true);
    result.containers.push(containerName(c));
  }
  const onNodes = await driver.teardown(opts.purge);
  result.nodes.push(...onNodes.removed);
  result.kept.push(...onNodes.kept);
  for (const v of await host.volumes.list(byLabel)) {
    if (!opts.purge && v.Labels?.[LABEL_KEEP] !== undefined) {
      result.kept.push(v.Name);
      continue;
    }
    // The registry's store goes with the images, and stays with them (--keep-images).
    if (opts.keepImages && v.Labels?.[LABEL_IMAGE_STORE] !== undefined) {
      result.keptImages.push(v.Name);
      continue;
    }
    await host.volumes.remove(v.Name);
    result.volumes.push(v.Name);
  }
  for (const n of await host.networks.list(byLabel)) {
    await host.networks.remove(n.Id);
    result.networks.push(n.Name);
  }
  if (!opts.keepImages) {
    // Images are shared by every lab on this engine; they carry lab.image, not a lab name.
    const images = await host.images.list({ label: [IMAGE_LABEL] });
    // Another container of this engine may run one (the class registry of `images serve`).
    const users = new Map<string, string>();
    for (const c of await host.containers.list({}, true)) users.set(c.ImageID, containerName(c));
    // Newest first: an image built on another (the Debian base) goes before it.
    for (const img of images.sort((a, b) => b.Created - a.Created)) {
      const tags = img.RepoTags ?? [];
      const name = tags[0] ?? img.Id;
      const user = users.get(img.Id);
      if (user) {
        result.imagesInUse.push(`${name} (container ${user})`);
        continue;
      }
      try {
        await host.images.remove(img.Id, true);
        result.images.push(...tags);
      } catch (err) {
        // 409: still needed (an image built on it is kept above, or a container appeared since)
        if (!/\b409\b|conflict/i.test((err as Error).message)) throw err;
        result.imagesInUse.push(`${name} (${(err as Error).message.replace(/^.*conflict: /, "")})`);
      }
    }
  }
  return result;
}
