/** Deploys the planned stack with `docker stack deploy` on a manager. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { NODE_API_PORT } from "../drivers/dind/driver.js";
import { stackToYaml } from "../plan/stack.js";
import { run } from "../runtime/exec.js";
import { clearColours, readColours } from "../state/colours.js";
import { statePaths } from "../state/paths.js";
import { engineEnv } from "../state/tls.js";
import { need, type Step } from "./context.js";

export const deployStack: Step = {
  title: "Deploying the stack",
  async run(ctx, report) {
    // Alertmanager's configuration was written (and checked) by an earlier step: alerting.ts.
    const { doc, name } = need(ctx.plan, "plan").stack;
    const file = statePaths().stackFile;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, stackToYaml(doc));
    const manager = need(ctx.nodes, "nodes").find((n) => n.running);
    if (!manager) throw new Error("no running manager to deploy on");
    await run(
      "docker",
      [
        ...["stack", "deploy", "--prune", "--resolve-image", "never", "--detach=true"],
        ...["-c", file, name],
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
