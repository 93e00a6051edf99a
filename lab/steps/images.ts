/** Choosing the image set, then making every image of it on the host. */
import { LabError } from "../errors.js";
import {
  enginePlatform,
  ensureBases,
  imageExists,
  makeImage,
  tagByContent,
} from "../images/build.js";
import { type Trainer, TrainerRegistry } from "../images/from-trainer.js";
import { buildJobs, eachLimited } from "../images/jobs.js";
import { UPSTREAM_REGISTRY_PROBE } from "../images/official.js";
import { type ImageSet, planImages, upstreamRefs } from "../images/plan.js";
import { dockerHubPulls, type UpstreamAnswer, verdict } from "../images/upstream.js";
import { checkUpstream } from "../images/upstream-check.js";
import { checkEngine } from "../plan/engine.js";
import { planLab } from "../plan/lab.js";
import type { Engine } from "../runtime/docker.js";
import { answers } from "../runtime/http.js";
import { need, type Step, type UpContext } from "./context.js";
import { gatherFacts } from "./facts.js";

export function upstreamReachable(
  url = UPSTREAM_REGISTRY_PROBE,
  timeoutMs = 3000,
): Promise<boolean> {
  return answers(url, timeoutMs);
}

/**
 * The image set to make. `official` and `auto` first ask each upstream registry whether it would
 * serve what this engine lacks (a manifest HEAD: Docker Hub does not count it as a pull), so a
 * refusal is known before minutes of building: `official` stops with the fix, `auto` makes the
 * offline set instead and says why.
 */
export async function chooseImageSet(
  wanted: "official" | "offline" | "auto",
  host: Engine,
  check: (refs: string[]) => Promise<UpstreamAnswer[]> = checkUpstream,
): Promise<{ set: ImageSet; reason: string }> {
  if (wanted === "offline") return { set: wanted, reason: "asked for with --images" };
  const lacking: string[] = [];
  for (const ref of upstreamRefs("official"))
    if (!(await imageExists(host, ref))) lacking.push(ref);
  const asked = wanted === "auto" ? "auto" : "asked for with --images";
  const hub = `${dockerHubPulls(lacking)} pulls from Docker Hub`;
  if (lacking.length === 0)
    return { set: "official", reason: `${asked}; every upstream image is here already` };
  const answers = await check(lacking);
  const v = verdict(answers);
  if (v.ok) {
    const left = answers.flatMap((a) => (a.ok && a.remaining !== undefined ? [a.remaining] : []));
    const limit =
      left.length > 0 ? `, Docker Hub allows this address ${Math.min(...left)} more` : "";
    return {
      set: "official",
      reason: `${asked}; ${lacking.length} upstream images to pull (${hub}${limit})`,
    };
  }
  if (wanted === "official")
    throw new LabError(
      `the official image set cannot be pulled from here:\n${v.refused.map((r) => `    ${r}`).join("\n")}`,
      v.fix,
    );
  return {
    set: "offline",
    reason: `auto: upstream refused ${v.refused.length} of ${lacking.length} images (${v.refused[0]}${v.refused.length > 1 ? ", ..." : ""}), building every image locally`,
  };
}

export const selectImages: Step = {
  title: "Choosing the image set",
  async run(ctx, report) {
    // An engine that cannot push the official set (preflight refused `official` already).
    const engineSays = ctx.engine ? checkEngine(ctx.engine, "official") : null;
    const { set, reason } = ctx.trainer
      ? {
          // The trainer serves the set it was asked to (images serve --images); auto means offline.
          set: ctx.config.images === "official" ? ("official" as const) : ("offline" as const),
          reason: `from the trainer's registry at ${ctx.trainer.address}`,
        }
      : ctx.config.images === "auto" && engineSays
        ? { set: "offline" as const, reason: `auto: ${engineSays.message}` }
        : await chooseImageSet(ctx.config.images, ctx.host);
    ctx.imageSet = set;
    ctx.imageReason = reason;
    report(`${set} (${reason})`);
  },
};

/** Every image of the set loaded from the trainer's registry and content-tagged as a build would be. */
async function loadFromTrainer(
  host: Engine,
  trainer: Trainer,
  set: ImageSet,
  report: (line: string) => void,
): Promise<UpContext["made"]> {
  const registry = new TrainerRegistry(trainer);
  const { arch } = await enginePlatform(host);
  const made: UpContext["made"] = {};
  try {
    for (const spec of planImages(set)) {
      report(`${spec.ref} (from ${trainer.address})`);
      const id = await registry.load(host, spec.ref, arch);
      // An upstream image keeps its own reference, as a pull would; a lab image gets its content tag.
      made[spec.key] =
        spec.source.kind === "pull" ? spec.ref : await tagByContent(host, spec.ref, id);
    }
  } finally {
    await registry.close();
  }
  return made;
}

export const buildImages: Step = {
  title: "Making images",
  async run(ctx, report) {
    const set = need(ctx.imageSet, "image set");
    if (ctx.trainer) {
      ctx.made = await loadFromTrainer(ctx.host, ctx.trainer, set, report);
      return;
    }
    const jobs = buildJobs(process.env.LAB_BUILD_JOBS); // refused before anything is built
    const bases = await ensureBases(ctx.host, set);
    if (bases.length > 0) report(`bases: ${bases.join(", ")}`);
    const specs = planImages(set);
    report(`${specs.length} images, ${jobs} at once (LAB_BUILD_JOBS)`);
    const refs = await eachLimited(specs, jobs, async (spec) => {
      const started = Date.now();
      const ref = await makeImage(ctx.host, spec);
      report(`${spec.ref} (${spec.source.kind}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return ref;
    });
    ctx.made = Object.fromEntries(specs.map((spec, i) => [spec.key, refs[i] as string]));
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
