import { describe, expect, it } from "vitest";
import { type AmAlert, type Decision, incidentKey } from "../../lab/alerts/view.js";
import { actedDuring, describeThreats, undecidedActions } from "../../lab/drills/bystanders.js";
import { describeActed } from "../../lab/drills/report.js";
import type { DrillRun } from "../../lab/drills/types.js";

const firing = (alertname: string, action: string | undefined, fingerprint: string): AmAlert => ({
  fingerprint,
  labels: { alertname, ...(action ? { action } : {}) },
  annotations: {},
  startsAt: "2026-12-06T10:00:00.000Z",
  status: { state: "active" },
});
const decision = (over: Partial<Decision>): Decision => ({
  at: Date.parse("2026-12-06T10:01:00Z") / 1000,
  result: "act",
  reason: "",
  action: "rebalance",
  service: "app",
  alertname: "AppUnbalanced",
  incident: "",
  change: {},
  dry_run: false,
  ...over,
});

describe("what a drill waits for: the remediator's undecided actions", () => {
  it("a pending action alert, and a firing one without a decision for its incident", () => {
    const decided = firing("BackupTooOld", "backup", "b1");
    const open = firing("ContainerRestarting", "redeploy", "c1");
    const threats = undecidedActions(
      [
        { alertname: "AppUnbalanced", action: "rebalance", alertstate: "pending" },
        // a pending alert with no action is none of the remediator's business
        { alertname: "NodeDown", alertstate: "pending" },
      ],
      [decided, open, firing("NodeDown", undefined, "n1")],
      [decision({ incident: incidentKey("b1", decided.startsAt), action: "backup" })],
    );
    expect(describeThreats(threats)).toBe(
      "AppUnbalanced pending (action rebalance), ContainerRestarting firing (action redeploy)",
    );
  });

  it("nothing to wait for once every firing action alert has its decision", () => {
    const a = firing("AppSaturated", "scale-up", "s1");
    const d = decision({ incident: incidentKey("s1", a.startsAt), result: "cooldown" });
    expect(undecidedActions([], [a], [d])).toEqual([]);
  });
});

describe("what else acted during a run", () => {
  const from = Date.parse("2026-12-06T10:00:30Z");
  const to = Date.parse("2026-12-06T10:02:00Z");

  it("the decisions and service updates inside the run, oldest first; those outside left out", () => {
    const acted = actedDuring(
      [
        decision({ change: { kind: "scale", from: 3, to: 4 }, action: "scale-up", reason: "p95" }),
        decision({ at: from / 1000 - 5 }),
        // the remediator's own timer: no alert behind it
        decision({
          at: to / 1000,
          action: "scale-down",
          result: "settled",
          alertname: "",
          reason: "app back to its 3 replicas",
        }),
      ],
      [
        { Spec: { Name: "lab_app" }, UpdatedAt: "2026-12-06T10:00:45Z", Version: { Index: 88 } },
        { Spec: { Name: "lab_db" }, UpdatedAt: "2026-12-06T09:00:00Z", Version: { Index: 12 } },
        { Spec: { Name: "lab_x" } },
      ],
      from,
      to,
    );
    expect(acted).toEqual([
      { at: "2026-12-06T10:00:45.000Z", who: "swarm", what: "lab_app changed (spec version 88)" },
      {
        at: "2026-12-06T10:01:00.000Z",
        who: "remediator",
        what: "scale-up app 3->4 on AppUnbalanced: p95",
      },
      {
        at: "2026-12-06T10:02:00.000Z",
        who: "remediator",
        what: "scale-down app (settled): app back to its 3 replicas",
      },
    ]);
  });

  it("the report tells nothing from not recorded", () => {
    const run = { actedDuring: [] } as unknown as DrillRun;
    expect(describeActed(run)).toBe("nothing");
    expect(describeActed({} as DrillRun)).toBe("not recorded");
  });
});
