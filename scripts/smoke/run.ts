/**
 * npm run test:smoke: what a pull request needs to know, in minutes (goal: 12 on a 2-core
 * machine). On this machine's engine: refuses when a lab of this name exists (the run takes its
 * lab down at the end), then `lab:up` with the given flags, the smoke tests (tests/smoke: the TLS
 * entry, an API round trip with a login, a drill under load with the ledger check) and always
 * `lab:down --keep-images --purge --yes`: the smoke lab's containers, volumes and backups go, its
 * images stay for the next run (`npm run lab:down -- --purge --yes` removes them too). Each
 * step's time goes to reports/smoke-<time>.json and .md.
 *   npm run test:smoke -- --images offline
 *   npm run test:smoke -- --images-from trainer.local:5443 --ca trainer-ca.crt
 */
import { spawn } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { loadConfig } from "../../lab/config/load.js";
import { LABEL_LAB } from "../../lab/plan/names.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { writeReport } from "../../lab/state/reports.js";
import { type SmokeStep, smokeSummary } from "./summary.js";

const GOAL_S = 12 * 60;

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
    child.on("error", () => resolve(127));
  });
}

const upFlags = process.argv.slice(2);
const name = loadConfig(process.env.LAB_CONFIG, {}).name;
const existing = await hostDocker().listContainers({
  all: true,
  filters: { label: [`${LABEL_LAB}=${name}`] },
});
if (existing.length > 0) {
  console.error(
    `error: a lab named ${name} exists on this engine (${existing.length} containers); test:smoke brings up its own and deletes it with its backups at the end\nfix: npm run lab:down first (add --purge --yes to delete its backups too), or run the smoke test on another machine`,
  );
  process.exit(2);
}

const started = Date.now();
const steps: SmokeStep[] = [];
async function step(what: string, command: string, args: string[]): Promise<number> {
  const t0 = Date.now();
  console.log(`\n=== test:smoke: ${what}`);
  const code = await run(command, args);
  steps.push({ what, seconds: Math.round((Date.now() - t0) / 100) / 10, code });
  return code;
}

const lab = ["--import", "tsx", "lab/cli/main.ts"];
let code = await step("lab:up", process.execPath, [...lab, "up", ...upFlags]);
if (code === 0)
  code = await step("the smoke tests", "npx", ["vitest", "run", "--project", "smoke"]);
const down = await step("lab:down", process.execPath, [
  ...lab,
  ...["down", "--keep-images", "--purge", "--yes"],
]);
const totalS = Math.round((Date.now() - started) / 100) / 10;
const result = {
  date: new Date(started).toISOString(),
  machine: {
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  upFlags,
  steps,
  totalS,
  goalS: GOAL_S,
  passed: code === 0 && down === 0,
};
const summary = smokeSummary(result);
const files = writeReport(`smoke-${result.date.replace(/[:.]/g, "-")}`, result, summary);
console.log(`\n${summary}\nreports: ${files.json}, ${files.text}`);
process.exit(code !== 0 ? code : down);
