/** One app-replica drill under load (a crash: SIGKILL) on a running lab, as a test runs it. */
import { runDrill } from "../../lab/drills/run.js";
import type { DrillRun } from "../../lab/drills/types.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { consoleLog } from "../../lab/runtime/log.js";

export async function appReplicaCrash(lab: RunningLab): Promise<DrillRun> {
  const { runs } = await runDrill(
    lab,
    "app-replica",
    1,
    { signal: "KILL" },
    consoleLog(),
    new AbortController().signal,
  );
  const run = runs[0];
  if (!run) throw new Error("the drill produced no run");
  return run;
}
