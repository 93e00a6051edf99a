/** Renders the stack and deploys it with `docker stack deploy` on a manager. */

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { LabConfig } from "../config/schema.js";
import { NODE_API_PORT } from "../drivers/dind/driver.js";
import { EXIT, LabError } from "../errors.js";
import type { ImageSet, ImageSpec } from "../images/plan.js";
import { planAlertmanager, withReceiverSecrets } from "../plan/alertmanager.js";
import { names } from "../plan/names.js";
import { type FileResolver, renderStack, stackToYaml } from "../plan/stack.js";
import { stackVars } from "../plan/vars.js";
import { run } from "../runtime/exec.js";
import { clearColours, readColours } from "../state/colours.js";
import { REPO_ROOT, stateDir, statePaths } from "../state/paths.js";
import { engineEnv } from "../state/tls.js";
import { need, type Step } from "./context.js";

export const STACK_TEMPLATE = join(REPO_ROOT, "compose/lab.yml");
/** What each image set adds to the stack (its observability services). */
export const stackOverlay = (set: ImageSet) => join(REPO_ROOT, `compose/observability.${set}.yml`);

export function resolveFromDisk(file: string) {
  const path = isAbsolute(file) ? file : join(REPO_ROOT, file);
  return { path, hash: createHash("sha256").update(readFileSync(path)).digest("hex") };
}

/** For --dry-run: files generated on first `up` may not exist yet. */
export function resolveIfPresent(file: string) {
  const path = isAbsolute(file) ? file : join(REPO_ROOT, file);
  return existsSync(path) ? resolveFromDisk(path) : { path, hash: "not-yet-generated" };
}

export const ALERTMANAGER_TEMPLATE = join(REPO_ROOT, "prometheus/alertmanager.yml");

export function planLabAlertmanager(config: LabConfig) {
  return planAlertmanager(readFileSync(ALERTMANAGER_TEMPLATE, "utf8"), config.alerting.receivers);
}

/** A receiver's secret file that cannot be read is the user's to fix, not a crash. */
function receiverSecret(resolve: FileResolver): FileResolver {
  return (file) => {
    try {
      return resolve(file);
    } catch (err) {
      throw new LabError(
        `alerting.receivers: cannot read the secret file ${file}: ${(err as Error).message}`,
        "create the file or fix its path in swarm-lab.yaml (relative paths start at the repository)",
        EXIT.usage,
      );
    }
  };
}

export function renderLabStack(
  config: LabConfig,
  set: ImageSet,
  images: ImageSpec[],
  resolve: FileResolver = resolveFromDisk,
) {
  const stack = names.stack(config.name);
  const doc = renderStack(
    [readFileSync(STACK_TEMPLATE, "utf8"), readFileSync(stackOverlay(set), "utf8")],
    stack,
    stackVars(config, images, stateDir()),
    resolve,
  );
  return withReceiverSecrets(
    doc,
    planLabAlertmanager(config).secrets,
    stack,
    receiverSecret(resolve),
  );
}

export const deployStack: Step = {
  title: "Deploying the stack",
  async run(ctx, report) {
    // Alertmanager's configuration was written (and checked) by the step before: alerting.ts.
    const doc = renderLabStack(
      ctx.config,
      need(ctx.imageSet, "image set"),
      need(ctx.images, "images"),
    );
    ctx.stackDoc = doc;
    const file = statePaths().stackFile;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, stackToYaml(doc));
    const manager = need(ctx.nodes, "nodes").find((n) => n.running);
    if (!manager) throw new Error("no running manager to deploy on");
    await run(
      "docker",
      [
        ...["stack", "deploy", "--prune", "--resolve-image", "never", "--detach=true"],
        ...["-c", file, names.stack(ctx.config.name)],
      ],
      {
        env: engineEnv(manager.address, NODE_API_PORT),
        hint: `the rendered stack is ${file}; check it with: docker stack config -c ${file}`,
        timeoutMs: 180_000,
      },
    );
    // --prune removed a blue/green deploy's green colour, if any: the stack's app serves again.
    const warm = readColours();
    clearColours();
    report(
      `${Object.keys(doc.services as object).length} services from ${file}${warm ? `; the blue/green deploy of ${warm.greenImage} (green) was ended, the app service serves` : ""}`,
    );
  },
};
