/**
 * `.ci/run`'s last words: how long each step and each test file took (from the step log and the
 * vitest JSON reports it wrote), then, with --check-budgets, exit 1 when a lab test file ran past
 * its budget (tests/support/budgets.ts). Each failed test's message comes last.
 *   npx tsx scripts/ci/times.ts <steps file> <total seconds> [--check-budgets] [report.json...]
 */
import { existsSync, readFileSync } from "node:fs";
import {
  type FileTime,
  failureLines,
  fileTimes,
  overBudget,
  renderTimes,
  stepTimes,
} from "../../tests/support/budgets.js";

const [stepsFile, total, ...rest] = process.argv.slice(2);
if (!stepsFile || !total) {
  console.error("usage: times.ts <steps file> <total seconds> [--check-budgets] [report.json...]");
  process.exit(2);
}
const check = rest.includes("--check-budgets");
const reports = rest
  .filter((f) => f !== "--check-budgets" && existsSync(f))
  .map((f) => JSON.parse(readFileSync(f, "utf8")));
const files: FileTime[] = reports.flatMap((r) => fileTimes(r));
const steps = stepTimes(readFileSync(stepsFile, "utf8").split("\n"), Number(total));
console.log(renderTimes(steps, files, Number(total)));
// Last, so that the end of CI's output names each failed test and what it saw.
for (const f of reports.flatMap((r) => failureLines(r))) console.log(f);
const over = check ? overBudget(files) : [];
for (const o of over) console.error(`over budget: ${o}`);
if (over.length) {
  console.error(
    "fix: win the time back in that file (shorter waits, a shared warm lab), or raise its budget in tests/support/budgets.ts and say why",
  );
  process.exit(1);
}
