/** Copies the stack's images into every node's engine (docker save | docker load), only where missing. */
import type { LabNode, NodeDriver } from "../drivers/types.js";
import type { ImageSpec } from "../images/plan.js";
import { type Engine, followProgress, isNotFound } from "../runtime/docker.js";
import { need, type Step } from "./context.js";

async function imageId(engine: Engine, ref: string): Promise<string | undefined> {
  try {
    return (await engine.getImage(ref).inspect()).Id;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

type SaveMany = { getImages(opts: { names: string[] }): Promise<NodeJS.ReadableStream> };

export async function copyImages(
  host: Engine,
  driver: NodeDriver,
  node: LabNode,
  refs: string[],
): Promise<string[]> {
  const engine = driver.engine(node);
  const missing: string[] = [];
  for (const ref of refs) {
    if ((await imageId(engine, ref)) !== (await imageId(host, ref))) missing.push(ref);
  }
  if (missing.length === 0) return missing;
  // One tar for all images: layers they share (the Debian base) travel once.
  const tar = await (host as unknown as SaveMany).getImages({ names: missing });
  const progress = await engine.loadImage(tar, { quiet: true });
  await followProgress(engine, progress);
  return missing;
}

export const distributeImages: Step = {
  title: "Copying images into the nodes",
  async run(ctx, report) {
    const refs = need(ctx.images, "images")
      .filter((i: ImageSpec) => i.inStack)
      .map((i) => i.ref);
    const copied = await Promise.all(
      need(ctx.nodes, "nodes").map(async (node) => ({
        node: node.name,
        refs: await copyImages(ctx.host, ctx.driver, node, refs),
      })),
    );
    const n = copied.reduce((sum, c) => sum + c.refs.length, 0);
    report(
      n === 0
        ? "every node already has them"
        : copied.map((c) => `${c.node}: ${c.refs.length}`).join(", "),
    );
  },
};
