/** Gathers what the plan needs from the repository: the templates' texts and the mounted files. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { ImageKey, ImageSet } from "../images/plan.js";
import type { LabFacts } from "../plan/lab.js";
import type { FileResolver } from "../plan/stack.js";
import { REPO_ROOT, stateDir } from "../state/paths.js";

export const STACK_TEMPLATE = join(REPO_ROOT, "compose/lab.yml");
/** What each image set adds to the stack (its observability services). */
export const stackOverlay = (set: ImageSet) => join(REPO_ROOT, `compose/observability.${set}.yml`);
export const ALERTMANAGER_TEMPLATE = join(REPO_ROOT, "prometheus/alertmanager.yml");

export const resolveFromDisk: FileResolver = (file) => {
  const path = isAbsolute(file) ? file : join(REPO_ROOT, file);
  return { path, hash: createHash("sha256").update(readFileSync(path)).digest("hex") };
};

/** For --dry-run: files generated on first `up` may not exist yet. */
export const resolveIfPresent: FileResolver = (file) => {
  const path = isAbsolute(file) ? file : join(REPO_ROOT, file);
  return existsSync(path) ? resolveFromDisk(path) : { path, hash: "not-yet-generated" };
};

export function gatherFacts(
  imageSet: ImageSet,
  imageReason: string,
  made: Partial<Record<ImageKey, string>> = {},
  resolve: FileResolver = resolveFromDisk,
): LabFacts {
  return {
    imageSet,
    imageReason,
    made,
    templates: {
      stack: readFileSync(STACK_TEMPLATE, "utf8"),
      overlay: readFileSync(stackOverlay(imageSet), "utf8"),
      alertmanager: readFileSync(ALERTMANAGER_TEMPLATE, "utf8"),
    },
    stateDir: stateDir(),
    resolve,
  };
}
