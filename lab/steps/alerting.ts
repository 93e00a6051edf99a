/**
 * Before anything is created: the alert rules and Alertmanager's rendered configuration, checked
 * by the promtool and amtool of the image set being deployed. A broken file stops `up` (exit 2).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CommandError, EXIT, LabError } from "../errors.js";
import type { ImageSpec } from "../images/plan.js";
import { run } from "../runtime/exec.js";
import { REPO_ROOT } from "../state/paths.js";
import { writePrivate } from "../state/tls.js";
import { need, type Step } from "./context.js";

export const RULES_FILE = join(REPO_ROOT, "prometheus/rules/lab.yml");

/**
 * Pure: the `docker run` argument lists that check the rules and Alertmanager's file. The file goes
 * in on standard input, not as a bind mount: the engine may not see this machine's files (a remote
 * DOCKER_HOST, Docker Desktop's file sharing limited to some folders).
 */
export function alertingChecks(
  images: ImageSpec[],
  rulesFile: string,
  amFile: string,
): Array<{ what: string; file: string; args: string[] }> {
  const ref = (key: string) => {
    const found = images.find((i) => i.key === key);
    if (!found) throw new LabError(`no ${key} image in the plan`, undefined, EXIT.bug);
    return found.ref;
  };
  const tool = (image: string, check: string) => [
    "run",
    "--rm",
    "-i",
    "--network=none",
    "--entrypoint",
    "sh",
    image,
    "-c",
    `cat > /tmp/checked.yml && ${check} /tmp/checked.yml`,
  ];
  return [
    {
      what: `the alert rules (${rulesFile})`,
      file: rulesFile,
      args: tool(ref("prometheus"), "promtool check rules"),
    },
    {
      what: `Alertmanager's configuration (${amFile})`,
      file: amFile,
      args: tool(ref("alertmanager"), "amtool check-config"),
    },
  ];
}

export async function checkAlerting(
  images: ImageSpec[],
  rulesFile: string,
  amFile: string,
): Promise<void> {
  for (const check of alertingChecks(images, rulesFile, amFile)) {
    try {
      await run("docker", check.args, { input: readFileSync(check.file, "utf8") });
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
    // Private, as the rest of the state folder: it names the receivers' webhooks.
    writePrivate(amFile, plan.alertmanager.yaml);
    await checkAlerting(plan.images, RULES_FILE, amFile);
    report("promtool and amtool of the image set accept them");
  },
};
