/** The versions a deploy can ship: the working tree built, a given image, or one derived for drills. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { EXIT, LabError } from "../errors.js";
import { imageExists, makeImage } from "../images/build.js";
import { IMAGE_LABEL, type ImageSet, planImages } from "../images/plan.js";
import { serve } from "../images/registry.js";
import { sendMissing } from "../images/send.js";
import { hostRef, servedRef } from "../plan/registry.js";
import type { RunningLab } from "../running/lab.js";
import { run } from "../runtime/exec.js";
import { REPO_ROOT } from "../state/paths.js";
import type { ExpandExample } from "./expand.js";
import { derivedDockerfile } from "./plan.js";

/** The commit the working tree is at, and its time; null outside a git checkout. */
export async function headCommit(): Promise<{ commit: string | null; commitAt: string | null }> {
  try {
    const out = await run("git", ["log", "-1", "--format=%H %cI"], { cwd: REPO_ROOT });
    const [commit, commitAt] = out.trim().split(" ");
    return { commit: commit ?? null, commitAt: commitAt ?? null };
  } catch {
    return { commit: null, commitAt: null };
  }
}

/** The app built from the working tree (tagged by content: an unchanged tree is the same tag). */
export async function buildWorkingTree(lab: RunningLab, set: ImageSet): Promise<string> {
  const spec = planImages(set).find((i) => i.key === "app");
  if (!spec) throw new Error(`the ${set} set has no app image`);
  return makeImage(lab.host, spec);
}

/** A given image: it must be on the host engine (the lab ships it to the nodes itself). */
export async function givenImage(lab: RunningLab, ref: string): Promise<string> {
  if (!(await imageExists(lab.host, ref)))
    throw new LabError(
      `image ${ref} does not exist on this machine's Docker engine`,
      "build or load it first (docker images lists what exists), or deploy the working tree: npm run lab:deploy",
      EXIT.usage,
    );
  return ref;
}

/**
 * A new version made from `from` (drills): the same code, broken readiness, or the same code
 * with the example expand migration as its newest revision.
 */
export async function derivedImage(
  from: string,
  set: ImageSet,
  broken: boolean,
  example?: ExpandExample,
): Promise<string> {
  const version = new Date().toISOString().replace(/[-:.TZ]/g, "");
  const kind = broken ? "broken" : example ? "expand" : "release";
  const ref = `swarm-lab/app:${set}-${kind}-${version}`;
  const dir = mkdtempSync(join(tmpdir(), "swarm-lab-release-"));
  try {
    const copied = example && { fileName: basename(example.file), revision: example.revision };
    if (example && copied) copyFileSync(join(REPO_ROOT, example.file), join(dir, copied.fileName));
    writeFileSync(
      join(dir, "Dockerfile"),
      derivedDockerfile(hostRef(from), version, broken, copied),
    );
    await run("docker", ["build", "--quiet", "-t", ref, "--label", `${IMAGE_LABEL}=app`, dir], {
      env: { DOCKER_BUILDKIT: "0" },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return ref;
}

/**
 * The lab's registry gets the image if it lacks it; returns the reference the nodes pull. Hosts
 * that cannot reach the registry (ssh, vagrant) get it through their engine API, every running
 * one (Swarm may place a task on any).
 */
export async function shipToNodes(lab: RunningLab, ref: string): Promise<string> {
  if (lab.config.driver === "dind") return serve(lab.host, lab.config.name, ref);
  const image = { ref: hostRef(ref), served: servedRef(lab.config.name, ref) };
  await Promise.all(
    lab.nodes
      .filter((n) => n.running)
      .map((n) => sendMissing(lab.host, { name: n.name, engine: lab.driver.engine(n) }, [image])),
  );
  return image.served;
}
