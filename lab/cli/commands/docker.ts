/** `lab docker ...`: the docker CLI on a running node's engine, over the lab's mutual TLS. */

import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { NODE_API_PORT } from "../../drivers/dind/driver.js";
import { EXIT, LabError } from "../../errors.js";
import { connectLab } from "../../running/lab.js";
import { runAttached } from "../../runtime/exec.js";
import { stdout } from "../../runtime/log.js";
import { engineEnv } from "../../state/tls.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";

export function registerDocker(program: Command): void {
  withConfigOptions(
    program
      .command("docker")
      .description("run the docker CLI against a lab node (node engines accept mutual TLS only)")
      .argument("[args...]", "docker arguments, e.g. service ps lab_app")
      .option("--node <n>", "node index (default: the first running node)")
      .option("--print-env", "print the shell exports instead (eval them to use docker directly)")
      .passThroughOptions(),
  ).action(async (args: string[], flags: ConfigFlags & { node?: string; printEnv?: boolean }) => {
    const config = loadConfig(flags.config, configInput(flags));
    await using lab = await connectLab(config);
    const node = flags.node
      ? lab.nodes.find((n) => n.index === Number(flags.node) && n.running)
      : lab.nodes.find((n) => n.running);
    if (!node) {
      const running = lab.nodes.filter((n) => n.running).map((n) => n.index);
      throw new LabError(
        `node ${flags.node} is not running`,
        `pick one of ${running.join(", ")}`,
        EXIT.usage,
      );
    }
    const env = engineEnv(node.address, NODE_API_PORT);
    if (flags.printEnv || args.length === 0) {
      for (const [k, v] of Object.entries(env)) stdout(`export ${k}=${v}`);
      return;
    }
    const code = await runAttached("docker", args, env);
    if (code !== 0) throw new LabError(`docker ${args.join(" ")} exited ${code}`, undefined, code);
  });
}
