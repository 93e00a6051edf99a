/** Runs a drill N times on a healthy lab, restores what it broke, writes the reports. */

import { patroniCluster, takeoverProblems } from "../database/patroni.js";
import { EXIT, LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import { collectStatus } from "../running/status.js";
import { type Clock, systemClock } from "../runtime/clock.js";
import type { Log } from "../runtime/log.js";
import { writeReport } from "../state/reports.js";
import { annotateRun } from "./annotate.js";
import { awaitQuietRemediator, readActedDuring } from "./bystanders.js";
import { DRILLS } from "./index.js";
import { type DrillSummary, renderRun, renderSummary, summarizeRuns } from "./report.js";
import type { DrillOptions, DrillRun } from "./types.js";

/** What keeps the lab from being healthy now (empty when it is). */
async function unhealthy(lab: RunningLab): Promise<string[]> {
  const status = await collectStatus(lab);
  const lacking = status.services
    .filter((s) => s.running < s.desired)
    .map((s) => `${s.name} ${s.running}/${s.desired}`);
  const down = status.nodes.filter((n) => n.swarm !== "ready").map((n) => `${n.name} ${n.swarm}`);
  const members = await patroniCluster(lab).catch(() => []);
  down.push(...takeoverProblems(members, lab.config.database.synchronous));
  if (lacking.length || down.length || status.health.status !== 200) {
    return [...down, ...lacking, `health ${status.health.status ?? "no answer"}`];
  }
  return [];
}

/**
 * Waits up to `settleMs` for a healthy lab (a task the remediator just added may still be
 * starting), then refuses: a drill on a sick lab would measure the wrong thing.
 */
export async function requireHealthy(
  lab: RunningLab,
  settleMs = 90_000,
  clock: Clock = systemClock,
): Promise<void> {
  const until = clock.now() + settleMs;
  for (;;) {
    const problems = await unhealthy(lab);
    if (problems.length === 0) return;
    if (clock.now() >= until) {
      throw new LabError(
        `the lab is not healthy, a drill would measure the wrong thing: ${problems.join(", ")}`,
        "wait for it, or repair it with npm run lab:up; npm run lab:status shows what is missing",
        EXIT.notHealthy,
      );
    }
    await clock.sleep(2000);
  }
}

export async function runDrill(
  lab: RunningLab,
  name: string,
  runs: number,
  overrides: Partial<DrillOptions>,
  log: Log,
  signal: AbortSignal,
  onSample?: (ok: boolean) => void,
): Promise<{ summary: DrillSummary; runs: DrillRun[]; files: { json: string; text: string } }> {
  const entry = DRILLS[name];
  if (!entry)
    throw new LabError(
      `unknown drill "${name}"`,
      `choose one of: ${Object.keys(DRILLS).join(", ")}`,
      EXIT.usage,
    );
  const opts = {
    ...entry.defaults,
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  };
  const results: DrillRun[] = [];
  for (let i = 1; i <= runs && !signal.aborted; i++) {
    await requireHealthy(lab);
    await awaitQuietRemediator(lab, log);
    log.info(`drill ${name}, run ${i}/${runs}: ${entry.drill.summary}`);
    const restores: Array<() => Promise<void>> = [];
    const fromMs = Date.now();
    try {
      const run = await entry.drill.run({
        lab,
        log,
        opts,
        signal,
        onAbort: (r) => restores.push(r),
        onSample,
      });
      run.passed = run.checks.every((c) => c.ok);
      run.actedDuring = await readActedDuring(lab, fromMs, log);
      results.push(run);
      await annotateRun(lab, run, log).catch((e) =>
        log.warn(`drill annotations not written: ${(e as Error).message}`),
      );
      for (const c of run.checks) log.info(`  ${c.ok ? "PASS" : "FAIL"} ${c.name}: ${c.detail}`);
      for (const b of run.actedDuring) log.info(`  meanwhile ${b.at} ${b.who}: ${b.what}`);
    } finally {
      for (const restore of restores.reverse())
        await restore().catch((e) => log.warn(`restore failed: ${(e as Error).message}`));
    }
    if (i < runs) await settle(lab);
  }
  const summary = summarizeRuns(name, results);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const files = writeReport(
    `drill-${name}-${stamp}`,
    { summary, runs: results },
    `${renderSummary(summary)}\n${results.map(renderRun).join("\n")}`,
  );
  return { summary, runs: results, files };
}

/** Pure: what is wrong with a drill's options (empty when they make sense). */
export function drillOptionProblems(opts: DrillOptions, nodes: number): string[] {
  const problems: string[] = [];
  if (opts.durationS < 5) problems.push(`--duration ${opts.durationS}: at least 5 s of traffic`);
  if (opts.faultAtS >= opts.durationS)
    problems.push(
      `--fault-at ${opts.faultAtS} must come before the end of the traffic (--duration ${opts.durationS})`,
    );
  if (opts.writers < 1 || opts.readers < 0)
    problems.push("--writers must be at least 1 (the ledger needs writes), --readers at least 0");
  if (opts.node !== undefined && (opts.node < 1 || opts.node > nodes))
    problems.push(`--node ${opts.node}: the lab has nodes 1 to ${nodes}`);
  if (opts.offS !== undefined && (opts.offS < 5 || opts.offS > 600))
    problems.push(`--off ${opts.offS}: between 5 and 600 seconds`);
  return problems;
}

/** Between runs: wait until the lab is healthy again (the last run may have left it rebalancing). */
async function settle(lab: RunningLab): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await requireHealthy(lab);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await systemClock.sleep(2000);
    }
  }
}
