/** `lab watch`: the live view of the lab, refreshed every second, until q or Ctrl-C. */
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { connectLab } from "../../running/lab.js";
import { systemClock } from "../../runtime/clock.js";
import { sources } from "../../watch/collect.js";
import { loadView } from "../../watch/lazy.js";
import { WatchStore } from "../../watch/store.js";
import { type ConfigFlags, configInput, integer, withConfigOptions } from "../options.js";

export function registerWatch(program: Command): void {
  withConfigOptions(
    program
      .command("watch")
      .description(
        "live view: nodes, services, database members, backups, alerts, traffic (q to leave)",
      ),
  )
    .option("--for <s>", "leave by itself after this many seconds (scripts, measurements)", integer)
    .action(async (flags: ConfigFlags & { for?: number }) => {
      const config = loadConfig(flags.config, configInput(flags));
      await using lab = await connectLab(config);
      const store = new WatchStore(config.name, systemClock, "prometheus");
      const quit = () => store.close();
      process.once("SIGINT", quit);
      process.once("SIGTERM", quit);
      if (flags.for !== undefined)
        void systemClock.sleep(flags.for * 1000, store.closed).then(quit);
      try {
        store.start(sources(lab, systemClock, "prometheus"));
        const { showStore } = await loadView();
        await showStore(store, quit, store.closed);
      } finally {
        store.close();
        process.removeListener("SIGINT", quit);
        process.removeListener("SIGTERM", quit);
      }
    });
}
