/** Pure: a readable summary of drill runs (median and worst of each measure). */
import { median } from "./analysis.js";
import type { DrillRun } from "./types.js";

export interface DrillSummary {
  drill: string;
  runs: number;
  passed: number;
  measures: Record<string, { median: number; worst: number; values: Array<number | null> }>;
}

/** For every measure a larger number is worse (seconds, failures, lost writes). */
export function summarizeRuns(drill: string, runs: DrillRun[]): DrillSummary {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.measures)))];
  const measures: DrillSummary["measures"] = {};
  for (const key of keys) {
    const values = runs.map((r) => r.measures[key]);
    if (!values.every((v) => typeof v === "number" || v === null)) continue;
    const nums = values.filter((v): v is number => typeof v === "number");
    if (nums.length === 0) continue;
    measures[key] = {
      median: median(nums),
      worst: Math.max(...nums),
      values: values as Array<number | null>,
    };
  }
  return { drill, runs: runs.length, passed: runs.filter((r) => r.passed).length, measures };
}

/** "503 x29, ECONNRESET x1", or "none". */
function outcomes(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${outcome} x${n}`);
  return parts.join(", ") || "none";
}

export function renderRun(run: DrillRun): string {
  const checks = run.checks
    .map((c) => `- ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`)
    .join("\n");
  const events = run.events.map((e) => `| ${e.atS.toFixed(1)} | ${e.what} |`).join("\n");
  const timeline = run.timeline
    .map(
      (t) =>
        `| ${t.second} | ${t.writesOk} | ${t.writesFailed} | ${t.readsOk} | ${t.readsFailed} |`,
    )
    .join("\n");
  const measures = Object.entries(run.measures)
    .map(([k, v]) => `| ${k} | ${v ?? "-"} |`)
    .join("\n");
  const failures = run.failures
    ? `\nFailed requests by outcome: writes ${outcomes(run.failures.writes)}; reads ${outcomes(run.failures.reads)}\n`
    : "";
  return `## ${run.drill} (${run.startedAt}): ${run.passed ? "PASSED" : "FAILED"}

${checks}
${failures}
What else acted during the run: ${describeActed(run)}

| measure | value |
| --- | --- |
${measures}

| t (s) | event |
| --- | --- |
${events}

| second | writes ok | writes failed | reads ok | reads failed |
| --- | --- | --- | --- | --- |
${timeline}
`;
}

/** "none", or each remediator decision and service update of the run, one per line. */
export function describeActed(run: DrillRun): string {
  const acted = run.actedDuring ?? [];
  if (acted.length === 0) return run.actedDuring ? "nothing" : "not recorded";
  return `\n${acted.map((b) => `- ${b.at} ${b.who}: ${b.what}`).join("\n")}`;
}

export function renderSummary(s: DrillSummary): string {
  const rows = Object.entries(s.measures)
    .map(
      ([k, v]) =>
        `| ${k} | ${v.median} | ${v.worst} | ${v.values.map((x) => x ?? "-").join(", ")} |`,
    )
    .join("\n");
  return `# drill ${s.drill}: ${s.passed}/${s.runs} runs passed

| measure | median | worst | runs |
| --- | --- | --- | --- |
${rows}
`;
}
