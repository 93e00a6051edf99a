/** After a healthy lab: a backup repository kept from an earlier lab brings its database back. */
import { restoreFromKeptRepo } from "../backup/kept.js";
import { names } from "../plan/names.js";
import { connectLab } from "../running/lab.js";
import type { Step } from "./context.js";

export const restoreKeptDatabase: Step = {
  title: "Database from the kept backup repository",
  async run(ctx, report) {
    await using lab = await connectLab(ctx.config);
    const out = await restoreFromKeptRepo(lab, ctx.freshNodes === true, ctx.log);
    const volume = names.backups(ctx.config.name);
    switch (out.action.kind) {
      case "empty":
        return report(`${volume} holds no backup yet: the database starts empty`);
      case "same":
        return report(`${volume} holds ${out.backups} backups of this database`);
      case "restore":
        return report(
          `restored from ${volume}: backup ${out.restored?.backup}, WAL up to ${out.restored?.window.to} (primary back after ${out.restored?.primaryRestoredS} s)`,
        );
      case "foreign":
        ctx.log.warn(
          `${volume} holds the backups of another database (system id ${out.action.repo}, this one is ${out.action.cluster}): this database's writes are not archived. ` +
            "Bring the repository's data back with npm run lab:restore -- --latest, or delete those backups with npm run lab:down -- --purge",
        );
        return report(`${volume} belongs to another database: left as it is`);
    }
  },
};
