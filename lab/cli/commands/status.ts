/** `lab status`: nodes, services (running/desired), health, URLs. */

import type { Command } from "commander";
import { listBackups } from "../../backup/commands.js";
import { humanAge } from "../../backup/plan.js";
import { loadConfig } from "../../config/load.js";
import { connectLab, type RunningLab } from "../../running/lab.js";
import { collectStatus } from "../../running/status.js";
import { stdout } from "../../runtime/log.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { outputOption, printJson, table } from "../print.js";

/** The newest backups and archived WAL, in one line (the repository may be down: say so). */
async function backupSummary(lab: RunningLab) {
  try {
    const l = await listBackups(lab);
    const newest = (type?: string) => l.backups.filter((b) => !type || b.type === type).at(-1);
    const age = (b?: { ageS: number; label: string }) => (b ? `${humanAge(b.ageS)} ago` : "none");
    return {
      count: l.backups.length,
      newestFull: newest("full")?.stopIso ?? null,
      newest: newest()?.stopIso ?? null,
      lastArchivedWal: l.lastArchivedAt,
      text: `${l.backups.length} in the repository on ${l.node}; newest full ${age(newest("full"))}, newest of any type ${age(newest())}; WAL archived up to ${l.lastArchivedAt ?? "none"}`,
    };
  } catch (err) {
    return { count: null, text: `repository not answering (${(err as Error).message})` };
  }
}

export function registerStatus(program: Command): void {
  withConfigOptions(program.command("status").description("show nodes, services, health and URLs"))
    .addOption(outputOption())
    .action(async (flags: ConfigFlags & { output: string }) => {
      const config = loadConfig(flags.config, configInput(flags));
      await using lab = await connectLab(config);
      const s = await collectStatus(lab);
      const backup = await backupSummary(lab);
      if (flags.output === "json") return printJson({ ...s, backup });
      stdout(
        table(
          ["node", "container", "swarm", "role", "availability"],
          s.nodes.map((n) => [n.name, n.container, n.swarm, n.role, n.availability]),
        ),
      );
      stdout(
        table(
          ["service", "running/desired", "nodes"],
          s.services.map((v) => [v.name, `${v.running}/${v.desired}`, v.nodes.join(", ")]),
        ),
      );
      stdout(
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
      stdout(`health: ${s.health.url} -> ${s.health.status ?? "no answer"} ${s.health.body}`);
      stdout(`backups: ${backup.text}`);
      stdout(table(["url", ""], Object.entries(s.urls)));
    });
}
