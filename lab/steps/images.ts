/** Choosing the image set, then making every image of it on the host. */
import { ensureBases, makeImage } from "../images/build.js";
import { UPSTREAM_REGISTRY_PROBE } from "../images/official.js";
import { type ImageSet, planImages } from "../images/plan.js";
import { planLab } from "../plan/lab.js";
import { answers } from "../runtime/http.js";
import { need, type Step, type UpContext } from "./context.js";
import { gatherFacts } from "./facts.js";

export function upstreamReachable(
  url = UPSTREAM_REGISTRY_PROBE,
  timeoutMs = 3000,
): Promise<boolean> {
  return answers(url, timeoutMs);
}

export async function chooseImageSet(
  wanted: "official" | "offline" | "auto",
): Promise<{ set: ImageSet; reason: string }> {
  if (wanted !== "auto") return { set: wanted, reason: "asked for with --images" };
  return (await upstreamReachable())
    ? { set: "official", reason: `auto: ${UPSTREAM_REGISTRY_PROBE} answers` }
    : {
        set: "offline",
        reason: `auto: ${UPSTREAM_REGISTRY_PROBE} does not answer, building every image locally`,
      };
}

export const selectImages: Step = {
  title: "Choosing the image set",
  async run(ctx, report) {
    const { set, reason } = await chooseImageSet(ctx.config.images);
    ctx.imageSet = set;
    ctx.imageReason = reason;
    report(`${set} (${reason})`);
  },
};

export const buildImages: Step = {
  title: "Making images",
  async run(ctx, report) {
    const set = need(ctx.imageSet, "image set");
    const bases = await ensureBases(ctx.host, set);
    if (bases.length > 0) report(`bases: ${bases.join(", ")}`);
    const made: UpContext["made"] = {};
    for (const spec of planImages(set)) {
      report(`${spec.ref} (${spec.source.kind})`);
      made[spec.key] = await makeImage(ctx.host, spec);
    }
    ctx.made = made;
  },
};

/** The plan, computed once from the configuration and the facts gathered so far. */
export const planStep: Step = {
  title: "Planning the lab",
  async run(ctx, report) {
    const facts = gatherFacts(
      need(ctx.imageSet, "image set"),
      need(ctx.imageReason, "image set's reason"),
      need(ctx.made, "made images"),
    );
    ctx.plan = planLab(ctx.config, facts);
    const { nodes, images, stack } = ctx.plan;
    report(
      `${nodes.length} nodes, ${images.length} images, ${Object.keys(stack.doc.services as object).length} services`,
    );
  },
};
