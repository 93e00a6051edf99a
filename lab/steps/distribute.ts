/**
 * Serves the stack's images to the nodes: the lab's registry gets what it lacks (once per content
 * tag), and the stack names the served references, so each node pulls only what it runs.
 */
import { type ImageSpec, imageRef } from "../images/plan.js";
import { ensureRegistry, pushMissing } from "../images/registry.js";
import { names } from "../plan/names.js";
import { servedRef } from "../plan/registry.js";
import { need, type Step } from "./context.js";

export const distributeImages: Step = {
  title: "Serving images to the nodes",
  async run(ctx, report) {
    const images = need(ctx.images, "images");
    const lab = ctx.config.name;
    const registryImage = imageRef(images, "registry");
    const port = await ensureRegistry(ctx.host, lab, registryImage);
    const refs = images.filter((i) => i.inStack).map((i) => i.ref);
    const pushed = await pushMissing(ctx.host, lab, registryImage, port, refs);
    ctx.images = images.map(
      (i: ImageSpec): ImageSpec => (i.inStack ? { ...i, ref: servedRef(lab, i.ref) } : i),
    );
    report(
      `${names.registry(lab)}: ${pushed.length} pushed, ${refs.length - pushed.length} already there`,
    );
  },
};
