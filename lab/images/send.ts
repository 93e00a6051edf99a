/**
 * Images sent through each node's engine API (`docker save | docker load`), for nodes that cannot
 * reach this machine's registry (hosts of the ssh and vagrant drivers). Each node gets only the
 * images it lacks, under the references the stack names (the registry's): Swarm's pull of such a
 * reference fails on those hosts, and the engine runs the image it has (a failed pull is logged,
 * not fatal).
 */

import { repoAndTag } from "../plan/registry.js";
import type { Engine } from "../runtime/docker.js";

export interface SentImage {
  /** this machine's reference */
  ref: string;
  /** the reference the stack names */
  served: string;
}

/** Sends what `node` lacks; returns the references sent. */
export async function sendMissing(
  host: Engine,
  node: { name: string; engine: Engine },
  images: SentImage[],
): Promise<string[]> {
  const missing: SentImage[] = [];
  for (const image of images) {
    const have = await node.engine.images.find(image.served);
    const mine = await host.images.find(image.ref);
    if (!mine) throw new Error(`image ${image.ref} is not on this machine's engine`);
    if (have?.Id !== mine.Id) missing.push(image);
  }
  if (missing.length === 0) return [];
  const tar = await host.images.save(missing.map((i) => i.ref));
  await node.engine.images.load(
    tar,
    `sending ${missing.length} images to ${node.name}`,
    30 * 60_000,
  );
  for (const image of missing) {
    const { repo, tag } = repoAndTag(image.served);
    await node.engine.images.tag(image.ref, repo, tag);
  }
  return missing.map((i) => i.ref);
}
