import { describe, expect, it } from "vitest";
import { type Member, takeoverProblems } from "../../lab/database/patroni.js";
import {
  archivedUpTo,
  dataLoss,
  failureOutcomes,
  longestOutage,
  lostWrites,
  median,
  outageEnd,
  recoverySeconds,
} from "../../lab/drills/analysis.js";
import { renderRun, renderSummary, summarizeRuns } from "../../lab/drills/report.js";
import { WriteRetries } from "../../lab/drills/retries.js";
import { ledgerCheck, type UnderTraffic } from "../../lab/drills/scenario.js";
import type { DrillRun } from "../../lab/drills/types.js";
import { percentile, type Sample, summarize } from "../../lab/traffic/stats.js";

const s = (at: number, ok: boolean, outcome = ok ? "201" : "503"): Sample => ({
  at,
  ms: 10,
  ok,
  outcome,
});

describe("drill analysis", () => {
  const samples = [
    s(100, true),
    s(900, true),
    s(1500, false),
    s(2500, false),
    s(6200, true),
    s(6300, true),
    s(7000, true),
  ];

  it("longest outage counts from the fault to the first success after it", () => {
    expect(longestOutage(samples, 1000)).toBe(5.2);
    expect(longestOutage(samples)).toBe(5.3);
    expect(longestOutage([s(0, true), s(500, true)])).toBe(0.5);
  });

  it("recovery is when requests succeed again after the last failure", () => {
    expect(recoverySeconds(samples, 1000)).toBe(5.2);
    expect(recoverySeconds([s(100, true), s(2000, true)], 1000)).toBe(0);
    expect(recoverySeconds([s(100, true), s(2000, false)], 1000)).toBeNull();
    // Nothing after the fault: no sample says it recovered.
    expect(recoverySeconds([s(100, true), s(200, false)], 1000)).toBeNull();
    expect(recoverySeconds([], 1000)).toBeNull();
  });

  it("the fault's outage ends at the first success followed by a quiet stretch; later blips apart", () => {
    // Outage 1.5-2.5 s, back at 6.2 s; a blip at 40 s makes recoverySeconds 39.2 but not the outage.
    const blip = [...samples, s(20_000, true), s(40_000, false), s(40_200, true)];
    expect(recoverySeconds(blip, 1000)).toBe(39.2);
    expect(outageEnd(blip, 1000)).toEqual({ seconds: 5.2, failuresAfter: 1 });
    // A success between failures less than the quiet stretch apart is not "back".
    const flapping = [s(0, true), s(1000, false), s(2000, true), s(3000, false), s(9000, true)];
    expect(outageEnd(flapping, 500)).toEqual({ seconds: 8.5, failuresAfter: 0 });
    expect(outageEnd(flapping, 500, 500)).toEqual({ seconds: 1.5, failuresAfter: 1 });
    expect(outageEnd([s(0, true), s(2000, true)], 1000)).toEqual({ seconds: 0, failuresAfter: 0 });
    expect(outageEnd([s(2000, false)], 1000)).toEqual({ seconds: null, failuresAfter: 1 });
  });

  it("the ledger check fails when nothing was acknowledged: 0 of 0 lost proves nothing", () => {
    const run = (acknowledged: string[], lost: string[]) =>
      ledgerCheck({ traffic: { acknowledged }, lost } as unknown as UnderTraffic);
    expect(run([], [])).toMatchObject({ ok: false, detail: /no write was acknowledged/ });
    expect(run(["1,a", "2,b"], [])).toMatchObject({ ok: true, detail: "0 of 2" });
    expect(run(["1,a", "2,b"], ["2,b"])).toMatchObject({ ok: false, detail: "1 of 2" });
  });

  it("failed requests are counted by outcome, and the report names them", () => {
    const failures = {
      writes: failureOutcomes([...samples, s(7100, false, "ECONNRESET")]),
      reads: failureOutcomes([s(1, true)]),
    };
    expect(failures.writes).toEqual({ "503": 2, ECONNRESET: 1 });
    expect(failures.reads).toEqual({});
    const run: DrillRun = {
      drill: "x",
      startedAt: "t",
      measures: {},
      checks: [],
      timeline: [],
      events: [],
      failures,
      passed: true,
    };
    expect(renderRun(run)).toContain(
      "Failed requests by outcome: writes 503 x2, ECONNRESET x1; reads none",
    );
  });

  it("a write acknowledged but not found is lost", () => {
    expect(lostWrites(["1,a", "2,b", "3,c"], new Set(["1,a", "3,c", "9,z"]))).toEqual(["2,b"]);
    expect(lostWrites([], new Set())).toEqual([]);
  });

  it("after a restore, a new row reusing a lost id does not hide the loss", () => {
    // id 2 was acknowledged for b, lost, and given again to x by the restored sequence
    expect(lostWrites(["1,a", "2,b"], new Set(["1,a", "2,x"]))).toEqual(["2,b"]);
  });

  it("the archive holds every write acknowledged while the primary wrote an archived segment", () => {
    const samples = [
      { at: 1000, segment: "000000010000000000000004" },
      { at: 2000, segment: "000000010000000000000005" },
      { at: 3000, segment: "000000010000000000000005" },
      { at: 4000, segment: "000000010000000000000006" },
    ];
    expect(archivedUpTo(samples, "000000010000000000000005")).toBe(3000);
    expect(archivedUpTo(samples, "000000010000000000000003")).toBe(0);
    expect(archivedUpTo(samples, "")).toBe(0);
    // a later timeline sorts after every segment of the earlier one
    expect(archivedUpTo(samples, "000000020000000000000001")).toBe(4000);
  });

  it("RPO: lost writes, how far back they go, and those the archive had to keep", () => {
    const ack = ["1,a", "2,b", "3,c", "4,d"];
    const at = [1000, 2000, 3000, 4000];
    expect(dataLoss(ack, at, new Set(["3,c", "4,d"]), 4500, 2500)).toEqual({
      lost: 2,
      rpoS: 1.5,
      lostBeforeCutoff: 0,
    });
    expect(dataLoss(ack, at, new Set(["2,b"]), 4500, 2500).lostBeforeCutoff).toBe(1);
    expect(dataLoss(ack, at, new Set(), 4500, 2500)).toEqual({
      lost: 0,
      rpoS: 0,
      lostBeforeCutoff: 0,
    });
  });

  it("median and percentiles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
  });

  it("a load summary counts outcomes and builds a per-second timeline", () => {
    const sum = summarize(samples, 7);
    expect(sum).toMatchObject({
      requests: 7,
      ok: 5,
      failed: 2,
      rps: 0.7,
      outcomes: { "201": 5, "503": 2 },
    });
    expect(sum.timeline.map((t) => [t.ok, t.failed])).toEqual([
      [2, 0],
      [0, 1],
      [0, 1],
      [0, 0],
      [0, 0],
      [0, 0],
      [2, 0],
      [1, 0],
    ]);
  });
});

describe("drill reports", () => {
  const run = (passed: boolean, down: number | null): DrillRun => ({
    drill: "x",
    startedAt: "t",
    measures: { victim: "node", downS: down, lost: 0 },
    checks: [{ name: "c", ok: passed, detail: "" }],
    timeline: [],
    events: [],
    passed,
  });

  it("summarises numeric measures by median and worst, across runs", () => {
    const sum = summarizeRuns("x", [run(true, 3), run(false, 9), run(true, null), run(true, 4)]);
    expect(sum.passed).toBe(3);
    expect(sum.measures.downS).toEqual({ median: 4, worst: 9, values: [3, 9, null, 4] });
    expect(sum.measures.victim).toBeUndefined();
    expect(renderSummary(sum)).toMatch(/\| downS \| 4 \| 9 \| 3, 9, -, 4 \|/);
  });
});

describe("drill options", () => {
  it("refuses a fault after the traffic, a missing node, no writers", async () => {
    const { drillOptionProblems } = await import("../../lab/drills/run.js");
    const ok = { durationS: 30, faultAtS: 8, writers: 8, readers: 8 };
    expect(drillOptionProblems(ok, 3)).toEqual([]);
    expect(drillOptionProblems({ ...ok, faultAtS: 30 }, 3)).toEqual([
      "--fault-at 30 must come before the end of the traffic (--duration 30)",
    ]);
    expect(drillOptionProblems({ ...ok, node: 4 }, 3)).toEqual([
      "--node 4: the lab has nodes 1 to 3",
    ]);
    expect(drillOptionProblems({ ...ok, writers: 0 }, 3)).toHaveLength(1);
  });
});

describe("drill annotations (Grafana, official set)", () => {
  it("puts each event at the moment it happened, tagged with the drill", async () => {
    const { annotationsOf } = await import("../../lab/drills/annotate.js");
    const run = {
      drill: "db-primary",
      startedAt: "2026-11-26T12:00:00.000Z",
      events: [
        { atS: 20, what: "fault injected" },
        { atS: 41.5, what: "recovered" },
      ],
    } as unknown as DrillRun;
    expect(annotationsOf(run)).toEqual([
      {
        time: Date.parse("2026-11-26T12:00:20Z"),
        tags: ["drill", "db-primary"],
        text: "drill db-primary: fault injected",
      },
      {
        time: Date.parse("2026-11-26T12:00:41.500Z"),
        tags: ["drill", "db-primary"],
        text: "drill db-primary: recovered",
      },
    ]);
  });
});

describe("drill writers' retries", () => {
  it("a failed write is sent again with the same key until its budget runs out", () => {
    let k = 0;
    const retries = new WriteRetries("r", 1000, () => `key-${++k}`);
    const first = retries.next(0, 0, 0);
    expect(retries.next(0, 1, 999)).toBe(first); // a retry: same email, same key
    const other = retries.next(1, 0, 500); // writers do not share their pending write
    expect(other.key).not.toBe(first.key);
    const after = retries.next(0, 2, 1001); // over budget: given up, a new write
    expect(after).toMatchObject({ email: "drill-r-0-2@example.org", key: "key-3" });
    expect(retries.givenUp).toBe(1);
    retries.acknowledged(0);
    expect(retries.next(0, 3, 1002).key).toBe("key-4"); // acknowledged: the next is new
    expect(retries.givenUp).toBe(1);
  });
});

describe("who could take over from the database leader", () => {
  const member = (name: string, role: string, state = "running"): Member => ({
    name,
    role,
    state,
    lag: 0,
    timeline: 2,
    node: "lab-node-1",
    container: "c",
  });

  it("in synchronous mode, only a running sync_standby counts", () => {
    expect(
      takeoverProblems([member("pg1", "leader"), member("pg2", "sync_standby")], true),
    ).toEqual([]);
    expect(
      takeoverProblems([member("pg1", "leader"), member("pg2", "sync_standby", "streaming")], true),
    ).toEqual([]);
    // rejoined, not yet named in /sync: Patroni would never promote it while the leader is down
    expect(takeoverProblems([member("pg1", "leader"), member("pg2", "replica")], true)).toEqual([
      "no synchronous replica that Patroni would promote (pg1 leader running, pg2 replica running)",
    ]);
    expect(
      takeoverProblems([member("pg1", "leader"), member("pg2", "sync_standby", "starting")], true),
    ).toHaveLength(1);
  });

  it("without synchronous mode, any running replica counts", () => {
    expect(takeoverProblems([member("pg1", "leader"), member("pg2", "replica")], false)).toEqual(
      [],
    );
    expect(takeoverProblems([member("pg1", "leader")], false)).toEqual([
      "no running database replica (pg1 leader running)",
    ]);
  });

  it("names a missing leader, and an empty cluster", () => {
    expect(takeoverProblems([member("pg2", "replica")], false)).toEqual(["no database leader"]);
    expect(takeoverProblems([], true)).toEqual([
      "no database leader",
      "no synchronous replica that Patroni would promote (none)",
    ]);
  });
});
