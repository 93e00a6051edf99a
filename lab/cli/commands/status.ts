/** `lab status`: nodes, services (running/desired), health, URLs. */
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { connectLab } from "../../core/running.js";
import { collectStatus } from "../../core/status.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { outputOption, printJson, table } from "../print.js";

export function registerStatus(program: Command): void {
  withConfigOptions(program.command("status").description("show nodes, services, health and URLs"))
    .addOption(outputOption())
    .action(async (flags: ConfigFlags & { output: string }) => {
      const config = loadConfig(flags.config, configInput(flags));
      await using lab = await connectLab(config);
      const s = await collectStatus(lab);
      if (flags.output === "json") return printJson(s);
      console.log(
        table(
          ["node", "container", "swarm", "role", "availability"],
          s.nodes.map((n) => [n.name, n.container, n.swarm, n.role, n.availability]),
        ),
      );
      console.log(
        table(
          ["service", "running/desired", "nodes"],
          s.services.map((v) => [v.name, `${v.running}/${v.desired}`, v.nodes.join(", ")]),
        ),
      );
      console.log(
        table(
          ["database member", "role", "state", "lag (bytes)", "timeline", "node"],
          s.database.map((m) => [
            m.name,
            m.role,
            m.state,
            m.lagBytes ?? "-",
            m.timeline ?? "-",
            m.node,
          ]),
        ),
      );
      console.log(`health: ${s.health.url} -> ${s.health.status ?? "no answer"} ${s.health.body}`);
      console.log(table(["url", ""], Object.entries(s.urls)));
    });
}
