/** Pure: the readable summary of a `test:smoke` run. */
export interface SmokeStep {
  what: string;
  seconds: number;
  code: number;
}

export interface SmokeResult {
  date: string;
  machine: { cpus: number; memoryGiB: number; node: string };
  upFlags: string[];
  steps: SmokeStep[];
  totalS: number;
  goalS: number;
  passed: boolean;
}

export function smokeSummary(r: SmokeResult): string {
  const verdict = r.passed ? "PASSED" : "FAILED";
  const goal = r.totalS <= r.goalS ? "met" : "missed";
  return [
    `# test:smoke (${r.date}): ${verdict} in ${r.totalS} s`,
    "",
    `Machine: ${r.machine.cpus} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}. lab:up ${r.upFlags.join(" ") || "(no flags)"}.`,
    "",
    "| step | seconds | exit |",
    "| --- | --- | --- |",
    ...r.steps.map((s) => `| ${s.what} | ${s.seconds} | ${s.code} |`),
    "",
    `Goal: ${r.goalS} s from the first command to the lab removed: ${goal} (${r.totalS} s).`,
    "",
  ].join("\n");
}
