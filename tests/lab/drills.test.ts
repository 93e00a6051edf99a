/** Each drill injects its fault for real under load and must pass its own verdict. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patroniCluster } from "../../lab/database/patroni.js";
import { ARCHIVE_SHIP_MARGIN_S } from "../../lab/drills/disaster.js";
import { NODE_ALERTS_OFF_S } from "../../lab/drills/node-down.js";
import { describeActed } from "../../lab/drills/report.js";
import { requireHealthy, runDrill } from "../../lab/drills/run.js";
import type { DrillRun } from "../../lab/drills/types.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { consoleLog } from "../../lab/runtime/log.js";
import { cli, spawnCli } from "../support/cli.js";
import { databaseLogs, theLab } from "../support/lab.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
  // An earlier test file's node-down may leave a member rejoining (pg_rewind, then catching up):
  // wait for it here, not in the first drill's 90 s.
  await requireHealthy(lab, 300_000).catch(async (err) => {
    console.error(await databaseLogs(lab));
    throw err;
  });
}, 330_000);
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

/** Runs a drill once; every check must pass except those named in `tolerate` (reported only). */
async function drill(
  name: string,
  overrides: Record<string, unknown> = {},
  tolerate: RegExp[] = [],
): Promise<DrillRun> {
  // Before the test's own timeout: what the database members say, if the drill still runs then.
  const dump = setTimeout(() => {
    databaseLogs(lab)
      .then((logs) =>
        console.error(`drill ${name} still running after 390 s; the database members:\n${logs}`),
      )
      .catch((err) => console.error(`drill ${name}: members' logs not read: ${err}`));
  }, 390_000);
  try {
    return await runOnce(name, overrides, tolerate);
  } finally {
    clearTimeout(dump);
  }
}

async function runOnce(
  name: string,
  overrides: Record<string, unknown>,
  tolerate: RegExp[],
): Promise<DrillRun> {
  const { runs } = await runDrill(
    lab,
    name,
    1,
    overrides,
    consoleLog(),
    new AbortController().signal,
  ).catch(async (err) => {
    // A lab that is not healthy: what the database members said is the first thing to read.
    console.error(await databaseLogs(lab));
    throw err;
  });
  const run = runs[0];
  if (!run) throw new Error(`drill ${name} produced no run`);
  const failed = run.checks.filter((c) => !c.ok && !tolerate.some((t) => t.test(c.name)));
  // A failing check says what else acted meanwhile, and when the fault came.
  const seen = `events ${JSON.stringify(run.events)}; failed requests ${JSON.stringify(run.failures)}; what else acted: ${describeActed(run)}`;
  expect(failed, `${name}: ${JSON.stringify(failed)}; ${seen}`).toEqual([]);
  return run;
}

describe("drills", { timeout: 420_000 }, () => {
  it("app-replica, graceful stop: no failed request, task replaced", async () => {
    const run = await drill("app-replica", { signal: "TERM" });
    expect(run.measures.failedWrites).toBe(0);
    expect(run.measures.failedReads).toBe(0);
    expect(run.measures.lostWrites).toBe(0);
  });

  it("app-replica, crash: reads retried by Traefik, task replaced, nothing acknowledged lost", async () => {
    // Failed write attempts (502 for the POSTs the task held) are retried by the writers with
    // their Idempotency-Key: every read answers, no write is given up, nothing is lost.
    const run = await drill("app-replica", { signal: "KILL" });
    expect(run.measures.failedReads).toBe(0);
    expect(run.measures.requests as number).toBeGreaterThan(500);
    expect(run.measures.lostWrites).toBe(0);
    expect(run.measures.taskReplacedS).not.toBeNull();
  });

  it("db-switchover: the leader moves, no acknowledged write lost", async () => {
    const run = await drill("db-switchover");
    expect(run.measures.lostWrites).toBe(0);
    expect(run.measures.from).not.toBe(run.measures.to);
    // Backups follow the new primary by themselves (the repository host finds it).
    const backup = await cli(["backup", "--type", "incr", "-o", "json"]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(JSON.parse(backup.stdout).type).toBe("incr");
  });

  it("db-primary: replica promoted, old primary rejoins, 0 acknowledged writes lost", async () => {
    const run = await drill("db-primary");
    expect(run.measures.lostWrites).toBe(0);
    expect(run.measures.acknowledgedWrites as number).toBeGreaterThan(100);
    expect(run.measures.primaryAfter).not.toBe(String(run.measures.primaryBefore).split(" ")[0]);
  });

  it("node-down: the primary's node is lost and comes back; writes recover, nothing lost; NodeDown inhibits", async () => {
    // Off 80 s: long enough for NodeDown (30 s) and the per-service alerts it inhibits (1 min).
    const run = await drill("node-down", { offS: NODE_ALERTS_OFF_S, durationS: 150 });
    expect(run.measures.lostWrites).toBe(0);
    expect(run.measures.writesRecoveryS).not.toBeNull();
    expect(run.measures.nodeRejoinedS).not.toBeNull();
    expect(run.measures.inhibitedAlerts).not.toBe("none");
  });

  it("Ctrl-C before the disaster drill's fault: exit 130, nothing injected, the members untouched", async () => {
    const before = await patroniCluster(lab);
    const run = spawnCli(["drill", "disaster", "--fault-at", "30"]);
    expect(await run.until("traffic started", 150_000), run.output()).toBe(true);
    await new Promise((r) => setTimeout(r, 3000));
    run.child.kill("SIGINT");
    const code = await run.exited;
    const out = run.output();
    expect(code, out).toBe(130);
    expect(out).toContain("nothing was injected, the lab was not touched");
    const after = await patroniCluster(lab);
    // same leader, same timeline: no restore happened. A replica may turn synchronous meanwhile
    // (a member that the node-down drill restarted catches up and becomes sync_standby), so the
    // view names only who leads and on which timeline.
    const view = (ms: typeof before) =>
      ms
        .map((m) => `${m.name} ${m.role === "leader" ? "leader" : "follower"} tl${m.timeline}`)
        .sort();
    expect(view(after)).toEqual(view(before));
  });

  it("disaster: every database disk lost, restored from the repository; RPO and RTO measured", async () => {
    const run = await drill("disaster");
    expect(run.measures.lostBeforeLastArchive).toBe(0);
    expect(run.measures.rtoS).not.toBeNull();
    expect(run.measures.rpoS as number).toBeLessThanOrEqual(
      lab.config.backup.archiveTimeoutS + ARCHIVE_SHIP_MARGIN_S,
    );
    expect(run.measures.archiveCoversWritesUpToS).not.toBeNull();
    expect(run.measures.acknowledgedWrites as number).toBeGreaterThan(100);
  });
});
