/**
 * `lab:watch` in a real terminal (tmux, read back with capture-pane): it shows the lab, leaves
 * on q, and during a node-down drill (`--watch`) shows the killed node as down within 5 s, the
 * promotion and the failed requests. Measured figures go to reports/watch-*.json.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { requireHealthy } from "../../lab/drills/run.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { writeReport } from "../../lab/state/reports.js";
import { theLab } from "../support/lab.js";

const SESSION = "swarm-lab-watch-test";
/** As a user runs it: vitest's NODE_ENV=test would load React's slower development build. */
const USER_ENV = "env -u NODE_ENV";
/** A tmux server of this run's own (-L): no other server's state or shutdown can reach it. */
const SOCKET = `swarm-lab-watch-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync("tmux", ["-L", SOCKET, ...args], { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", SESSION);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(command: string): void {
  try {
    tmux("kill-session", "-t", SESSION);
  } catch {} // none yet
  const args = ["new-session", "-d", "-s", SESSION, "-x", "120", "-y", "50", "-c", REPO_ROOT];
  const run = `${command}; echo "EXITED $?"; sleep 600`;
  try {
    tmux(...args, run);
  } catch (err) {
    // tmux's server once died as it started ("server exited unexpectedly", CI): start it again.
    if (!/server exited unexpectedly/.test(String((err as Error).message))) throw err;
    execFileSync("sleep", ["1"]);
    tmux(...args, run);
  }
}
/** Leaves the way a user does (Ctrl-C: a drill restores what it broke), then closes the terminal. */
afterAll(async () => {
  try {
    if (!screen().includes("EXITED")) {
      tmux("send-keys", "-t", SESSION, "C-c");
      await until("the command to end after Ctrl-C", 180_000, (s) => s.includes("EXITED"));
    }
  } finally {
    try {
      tmux("kill-session", "-t", SESSION);
    } catch {} // already gone
  }
}, 200_000);

async function until(
  what: string,
  timeoutMs: number,
  test: (s: string) => boolean,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < end) {
    last = screen();
    if (test(last)) return last;
    await sleep(250);
  }
  throw new Error(`${what} not seen within ${timeoutMs / 1000} s; the screen:\n${last}`);
}

/** CPU seconds used so far by the processes whose command line has `pattern`. */
function cpuSeconds(pattern: string): number {
  const pids = execFileSync("pgrep", ["-f", pattern], { encoding: "utf8" }).trim().split("\n");
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {} // ended meanwhile
  }
  return ticks / 100; // USER_HZ
}

/** The events of the node-down drill reports written since `since`, one line each. */
function drillEvents(since: number): string {
  const dir = join(REPO_ROOT, "reports");
  const files = readdirSync(dir).filter(
    (f) => /^drill-node-down-.*\.json$/.test(f) && statSync(join(dir, f)).mtimeMs >= since,
  );
  if (files.length === 0) return "  (no drill report written)";
  return files
    .flatMap((f) => {
      const report = JSON.parse(readFileSync(join(dir, f), "utf8")) as {
        runs?: Array<{ events?: Array<{ atS: number; what: string }> }>;
      };
      return (report.runs ?? []).flatMap((r) => r.events ?? []);
    })
    .map((e) => `  ${e.atS.toFixed(1).padStart(6)} s  ${e.what}`)
    .join("\n");
}

const ended = (s: string) => s.includes("EXITED");
const leaderOf = (s: string) => /\b(pg\d)\s+leader\s+running/.exec(s)?.[1];
const failedPerS = (s: string) => Number(/ok\/s, ([\d.]+) failed\/s/.exec(s)?.[1] ?? 0);

describe("lab:watch in a terminal", { timeout: 420_000 }, () => {
  it("shows every node up and the database leader, uses little CPU, leaves on q", async () => {
    open(`${USER_ENV} npx tsx lab/cli/main.ts watch`);
    const first = await until("three nodes up and a leader", 60_000, (s) => {
      return (s.match(/lab-node-\d\s+up\s/g) ?? []).length === 3 && leaderOf(s) !== undefined;
    });
    expect(first).toMatch(/Services \(running\/desired\)/);
    expect(first).toMatch(/traefik\s+3\/3/);
    const pattern = "loader.mjs lab/cli/main.ts watch"; // the node process itself, not npx or tmux
    const cpu0 = cpuSeconds(pattern);
    const t0 = Date.now();
    await sleep(30_000);
    const cpuShare = (cpuSeconds(pattern) - cpu0) / ((Date.now() - t0) / 1000);
    const tq = Date.now();
    tmux("send-keys", "-t", SESSION, "q");
    await until("exit 0 after q", 10_000, (s) => s.includes("EXITED 0"));
    const quitS = (Date.now() - tq) / 1000;
    // Ctrl-C leaves as cleanly (raw mode: it reaches the view as a key, not as a signal)
    open(`${USER_ENV} npx tsx lab/cli/main.ts watch`);
    await until("the view again", 60_000, (s) => s.includes("Services (running/desired)"));
    tmux("send-keys", "-t", SESSION, "C-c");
    await until("exit 0 after Ctrl-C", 10_000, (s) => s.includes("EXITED 0"));
    writeReport(
      `watch-idle-${new Date().toISOString().replace(/[:.]/g, "-")}`,
      { cpuShare, quitS },
      `lab:watch for 30 s: ${(cpuShare * 100).toFixed(1)} % of one core; left ${quitS.toFixed(1)} s after q\n`,
    );
    console.log(
      `lab:watch CPU ${(cpuShare * 100).toFixed(1)} % of one core, left ${quitS.toFixed(1)} s after q`,
    );
    expect(cpuShare).toBeGreaterThan(0); // it did run
    expect(
      cpuShare,
      "the view spins: a busy loop, or redraws far more than once a second",
    ).toBeLessThan(0.25);
  });

  it("drill node-down --watch: the killed node is down on screen within 5 s, then the promotion and the failures", async () => {
    const host = hostDocker();
    // An earlier drill's member may still be rejoining: wait for it here, not in the drill's 90 s.
    const lab = await theLab();
    try {
      await requireHealthy(lab, 300_000);
    } finally {
      await lab[Symbol.asyncDispose]();
    }
    const startedAt = Date.now();
    open(`${USER_ENV} npx tsx lab/cli/main.ts drill node-down --duration 60 --watch`);
    const before = await until(
      "the drill's view with a leader",
      240_000, // the drill first waits for a healthy lab (up to 90 s after an earlier drill)
      (s) =>
        ended(s) ||
        (s.includes("Drill") &&
          leaderOf(s) !== undefined &&
          (s.match(/lab-node-\d\s+up\s/g) ?? []).length === 3),
    );
    expect(ended(before), `the drill ended before it started:\n${before}`).toBe(false);
    const leader = leaderOf(before);
    let killedAt: number | undefined;
    let downAt: number | undefined;
    let promotedAt: number | undefined;
    let maxFailed = 0;
    let last = before;
    const end = Date.now() + 360_000;
    while (Date.now() < end && !last.includes("EXITED")) {
      if (killedAt === undefined) {
        const nodes = await host.listContainers({ all: true, filters: { name: ["lab-node-"] } });
        if (nodes.some((c) => c.State !== "running")) killedAt = Date.now();
      }
      last = screen();
      if (downAt === undefined && /lab-node-\d\s+DOWN/.test(last)) downAt = Date.now();
      const now = leaderOf(last);
      if (promotedAt === undefined && now && now !== leader) promotedAt = Date.now();
      maxFailed = Math.max(maxFailed, failedPerS(last));
      await sleep(250);
    }
    // Where the drill's time went (its report's events), in CI's log whatever the outcome.
    console.log(`watch: the drill's events\n${drillEvents(startedAt)}`);
    expect(last, last).toContain("EXITED 0");
    expect(killedAt, "the drill killed no node").toBeDefined();
    expect(downAt, "no node ever shown DOWN").toBeDefined();
    expect(promotedAt, `the leader never moved from ${leader}`).toBeDefined();
    const downS = ((downAt ?? 0) - (killedAt ?? 0)) / 1000;
    const promotedS = ((promotedAt ?? 0) - (killedAt ?? 0)) / 1000;
    writeReport(
      `watch-node-down-${new Date().toISOString().replace(/[:.]/g, "-")}`,
      { downS, promotedS, maxFailedPerS: maxFailed, leaderBefore: leader },
      `lab:watch during node-down: node shown down ${downS.toFixed(1)} s after the kill, promotion shown after ${promotedS.toFixed(1)} s, peak ${maxFailed} failed/s\n`,
    );
    console.log(
      `watch: down after ${downS.toFixed(1)} s, promotion after ${promotedS.toFixed(1)} s, peak ${maxFailed} failed/s`,
    );
    expect(downS).toBeLessThanOrEqual(5);
    expect(maxFailed, "no failed request ever shown during a primary's loss").toBeGreaterThan(0);
  });
});
