/** `lab logs SERVICE`: a service's logs from the lab's log store, without LogQL or LogsQL. */

import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { EXIT, LabError } from "../../errors.js";
import { formatLine, type LogLine, parseSince } from "../../logs/query.js";
import { logServices, queryLogs } from "../../logs/read.js";
import { names } from "../../plan/names.js";
import { connectLab } from "../../running/lab.js";
import { systemClock } from "../../runtime/clock.js";
import { stdout } from "../../runtime/log.js";
import { type ConfigFlags, configInput, integer, withConfigOptions } from "../options.js";
import { outputOption, printJson } from "../print.js";

interface LogsFlags extends ConfigFlags {
  since: string;
  grep?: string;
  requestId?: string;
  follow?: boolean;
  limit: number;
  output: string;
}

const FOLLOW_EVERY_MS = 1000;

export function registerLogs(program: Command): void {
  withConfigOptions(
    program
      .command("logs")
      .description("show a service's logs (from VictoriaLogs or Loki, whichever the lab runs)")
      .argument("<service>", "a service of the stack: app, traefik, pg1, backup, ..."),
  )
    .option("--since <duration>", "how far back (s, m, h, d)", "10m")
    .option("--grep <text>", "only lines containing this text")
    .option("--request-id <id>", "only lines of this request (X-Request-Id)")
    .option("-f, --follow", "keep printing new lines (Ctrl-C to stop)")
    .option("--limit <n>", "at most this many lines", integer, 500)
    .addOption(outputOption())
    .action(async (service: string, flags: LogsFlags) => {
      const sinceS = parseSince(flags.since);
      await using lab = await connectLab(loadConfig(flags.config, configInput(flags)));
      const { services, store } = await logServices(lab);
      if (!services.includes(service)) {
        throw new LabError(
          `the lab has no service "${service}"`,
          `choose one of: ${services.join(", ")}`,
          EXIT.usage,
        );
      }
      if (!store) {
        throw new LabError(
          "this lab runs no log store",
          "npm run lab:up deploys the current stack (VictoriaLogs offline, Loki official)",
          EXIT.notRunning,
        );
      }
      const req = {
        stack: names.stack(lab.config.name),
        service,
        sinceS,
        limit: flags.limit,
        ...(flags.grep ? { grep: flags.grep } : {}),
        ...(flags.requestId ? { requestId: flags.requestId } : {}),
      };
      const lines = await queryLogs(lab, store, req);
      if (flags.output === "json" && !flags.follow) return printJson(lines);
      const print = (batch: LogLine[]) => {
        for (const l of batch) stdout(flags.output === "json" ? JSON.stringify(l) : formatLine(l));
      };
      print(lines);
      if (!flags.follow) return;
      let last = lines.at(-1)?.timeMs ?? Date.now() - sinceS * 1000;
      const stop = new AbortController();
      process.once("SIGINT", () => stop.abort());
      while (!stop.signal.aborted) {
        await systemClock.sleep(FOLLOW_EVERY_MS);
        const batch = await queryLogs(lab, store, { ...req, afterMs: last });
        print(batch);
        last = batch.at(-1)?.timeMs ?? last;
      }
    });
}
