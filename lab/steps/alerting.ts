/**
 * Before anything is created: the alert rules and Alertmanager's rendered configuration, checked
 * by the promtool and amtool of the image set being deployed. A broken file stops `up` (exit 2).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CommandError, EXIT, LabError } from "../errors.js";
import type { ImageSpec } from "../images/plan.js";
import { run } from "../runtime/exec.js";
import { REPO_ROOT } from "../state/paths.js";
import { need, type Step } from "./context.js";

export const RULES_DIR = join(REPO_ROOT, "prometheus/rules");

/** Pure: the `docker run` argument lists that check the rules and Alertmanager's file. */
export function alertingChecks(
  images: ImageSpec[],
  rulesDir: string,
  amFile: string,
): Array<{ what: string; args: string[] }> {
  const ref = (key: string) => {
    const found = images.find((i) => i.key === key);
    if (!found) throw new LabError(`no ${key} image in the plan`, undefined, EXIT.bug);
    return found.ref;
  };
  const tool = (image: string, entry: string, mounts: string[], args: string[]) => [
    "run",
    "--rm",
    "--network=none",
    ...mounts.flatMap((m) => ["-v", `${m}:ro`]),
    "--entrypoint",
    entry,
    image,
    ...args,
  ];
  return [
    {
      what: `the alert rules (${rulesDir})`,
      args: tool(
        ref("prometheus"),
        "promtool",
        [`${rulesDir}:/rules`],
        ["check", "rules", "/rules/lab.yml"],
      ),
    },
    {
      what: `Alertmanager's configuration (${amFile})`,
      args: tool(
        ref("alertmanager"),
        "amtool",
        [`${amFile}:/am/alertmanager.yml`],
        ["check-config", "/am/alertmanager.yml"],
      ),
    },
  ];
}

export async function checkAlerting(
  images: ImageSpec[],
  rulesDir: string,
  amFile: string,
): Promise<void> {
  for (const check of alertingChecks(images, rulesDir, amFile)) {
    try {
      await run("docker", check.args);
    } catch (err) {
      if (!(err instanceof CommandError)) throw err;
      throw new LabError(
        `${check.what} refused before deploying:\n${err.output.trim().split("\n").slice(-8).join("\n")}`,
        "fix the file (npm test runs promtool test rules and amtool check-config on it); nothing was deployed",
        EXIT.usage,
      );
    }
  }
}

export const checkAlertingStep: Step = {
  title: "Checking the alert rules and Alertmanager's configuration",
  async run(ctx, report) {
    const plan = need(ctx.plan, "plan");
    const amFile = plan.alertmanager.file;
    mkdirSync(dirname(amFile), { recursive: true });
    writeFileSync(amFile, plan.alertmanager.yaml);
    await checkAlerting(plan.images, RULES_DIR, amFile);
    report("promtool and amtool of the image set accept them");
  },
};
