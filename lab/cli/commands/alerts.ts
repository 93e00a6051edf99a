/** `lab alerts`: firing alerts (with inhibited ones) and those resolved recently. */

import type { Command } from "commander";
import { readAlerts } from "../../alerts/read.js";
import { firing, recentActions, recentlyResolved } from "../../alerts/view.js";
import { loadConfig } from "../../config/load.js";
import { parseSince } from "../../logs/query.js";
import { connectLab } from "../../running/lab.js";
import { stdout } from "../../runtime/log.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { outputOption, printJson, table } from "../print.js";

export function registerAlerts(program: Command): void {
  withConfigOptions(
    program.command("alerts").description("list firing alerts and those resolved recently"),
  )
    .option("--since <duration>", "how far back resolved alerts are listed (s, m, h, d)", "1h")
    .addOption(outputOption())
    .action(async (flags: ConfigFlags & { since: string; output: string }) => {
      const windowS = parseSince(flags.since);
      await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
      const { alerts, notifications, decisions } = await readAlerts(lab);
      const result = {
        firing: firing(alerts, notifications, decisions),
        resolved: recentlyResolved(notifications, Date.now(), windowS, decisions),
        actions: recentActions(decisions, Date.now(), windowS),
      };
      if (flags.output === "json") return printJson(result);
      if (result.firing.length === 0) stdout("no alert firing");
      else
        stdout(
          table(
            ["firing", "severity", "state", "since", "notified", "actions", "where", "summary"],
            result.firing.map((a) => [
              a.alert,
              a.severity,
              a.state,
              a.since,
              a.notified ? "yes" : "not yet",
              a.actions.join(", "),
              a.where,
              a.summary,
            ]),
          ),
        );
      if (result.resolved.length > 0)
        stdout(
          table(
            ["resolved", "severity", "started", "ended", "lasted", "actions", "where"],
            result.resolved.map((a) => [
              a.alert,
              a.severity,
              a.started,
              a.ended,
              `${a.lastedS} s`,
              a.actions.join(", "),
              a.where,
            ]),
          ),
        );
      if (result.actions.length > 0)
        stdout(
          table(
            ["action at", "action", "service", "alert", "result", "detail"],
            result.actions.map((a) => [a.at, a.action, a.service, a.alert, a.result, a.detail]),
          ),
        );
      stdout("runbook: docs/runbook.md (one section per alert)");
    });
}
