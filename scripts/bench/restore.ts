/**
 * npm run bench:restore [-- --users 10000,100000,1000000 --runs 1]: how backup and disaster
 * recovery grow with the data. For each size the users table is filled to that many rows (SQL on
 * the primary), a full backup is taken (duration, size), then the disaster drill runs under load
 * (RPO, RTO). Sizes are cumulative: rows are added, never removed.
 */
import { parseArgs } from "node:util";
import { takeBackup } from "../../lab/backup/commands.js";
import { sqlOnLeader } from "../../lab/backup/members.js";
import { loadConfig } from "../../lab/config/load.js";
import { runDrill } from "../../lab/drills/run.js";
import { connectLab } from "../../lab/running/lab.js";
import { consoleLog } from "../../lab/runtime/log.js";
import { writeReport } from "../../lab/state/reports.js";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "10000,100000,1000000" },
    runs: { type: "string", default: "1" },
  },
});
const sizes = String(values.users).split(",").map(Number);
const runs = Number(values.runs);
const log = consoleLog();

await using lab = await connectLab(loadConfig(undefined, {}));
const rows: Array<Record<string, number | string | null>> = [];
for (const size of sizes) {
  const count = Number(await sqlOnLeader(lab, "SELECT count(*) FROM users"));
  if (count < size) {
    log.info(`adding ${size - count} users (table has ${count})`);
    await sqlOnLeader(
      lab,
      `INSERT INTO users (email, full_name) SELECT 'bench-' || g || '-' || md5(random()::text) || '@example.org', 'Bench User ' || g FROM generate_series(1, ${size - count}) AS g`,
    );
  }
  const dbBytes = Number(await sqlOnLeader(lab, "SELECT pg_database_size('app')"));
  const backup = await takeBackup(lab, "full", log);
  const drill = await runDrill(
    lab,
    "disaster",
    runs,
    { durationS: 90 + Math.ceil(size / 10_000), faultAtS: 70 },
    log,
    new AbortController().signal,
  );
  for (const run of drill.runs) {
    rows.push({
      users: size,
      databaseMiB: Math.round(dbBytes / 1048576),
      fullBackupS: backup.stop - backup.start,
      fullBackupRepoMiB: Math.round((backup.repoBytes / 1048576) * 10) / 10,
      rtoS: run.measures.rtoS ?? null,
      rpoS: run.measures.rpoS ?? null,
      lostWrites: run.measures.lostWrites ?? null,
      lostBeforeLastArchive: run.measures.lostBeforeLastArchive ?? null,
      primaryRestoredS: run.measures.primaryRestoredS ?? null,
      replicaRebuiltS: run.measures.replicaRebuiltS ?? null,
      newFullBackupS: run.measures.newFullBackupS ?? null,
      passed: String(run.passed),
    });
  }
}
const head = Object.keys(rows[0] ?? {});
const summary = [
  "# bench:restore: backup and disaster recovery by data size",
  "",
  `On ${lab.nodes.length} DinD nodes, ${new Date().toISOString()}; disaster drill with 8 writers + 8 readers.`,
  "",
  `| ${head.join(" | ")} |`,
  `| ${head.map(() => "---").join(" | ")} |`,
  ...rows.map((r) => `| ${head.map((h) => r[h]).join(" | ")} |`),
  "",
].join("\n");
const files = writeReport("bench-restore", { rows }, summary);
console.log(`\n${summary}\nreports: ${files.json}, ${files.text}`);
