import { describe, expect, it } from "vitest";
import {
  type Decision,
  firing,
  type Notification,
  recentActions,
  recentlyResolved,
} from "../../lab/alerts/view.js";

const note = (over: Partial<Notification>): Notification => ({
  received: 0,
  status: "resolved",
  alertname: "LogStoreDown",
  labels: { severity: "warning" },
  annotations: { summary: "s" },
  startsAt: "2026-11-26T12:00:00Z",
  endsAt: "2026-11-26T12:02:30Z",
  fingerprint: "f1",
  ...over,
});

describe("lab:alerts view", () => {
  it("lists firing alerts oldest first, and says which are inhibited", () => {
    const out = firing(
      [
        {
          fingerprint: "a1",
          labels: { alertname: "AppReplicaDown", severity: "warning", node: "lab-node-2" },
          annotations: { summary: "down", runbook: "docs/runbook.md#appreplicadown" },
          startsAt: "2026-11-26T12:01:00Z",
          status: { state: "suppressed", inhibitedBy: ["x"] },
        },
        {
          fingerprint: "n1",
          labels: { alertname: "NodeDown", severity: "critical", node: "lab-node-2" },
          annotations: { summary: "node" },
          startsAt: "2026-11-26T12:00:30Z",
          status: { state: "active" },
        },
      ],
      [note({ status: "firing", fingerprint: "n1", startsAt: "2026-11-26T12:00:30.000Z" })],
    );
    expect(out.map((a) => [a.alert, a.state, a.where, a.notified])).toEqual([
      ["NodeDown", "active", "lab-node-2", true],
      ["AppReplicaDown", "inhibited", "lab-node-2", false],
    ]);
  });

  it("keeps resolved alerts inside the window, once each, newest first, with their duration", () => {
    const now = Date.parse("2026-11-26T12:30:00Z");
    const out = recentlyResolved(
      [
        note({}),
        note({ received: 1 }), // Alertmanager repeats a resolved notice: shown once
        note({
          fingerprint: "f2",
          startsAt: "2026-11-26T12:10:00Z",
          endsAt: "2026-11-26T12:20:00Z",
        }),
        note({ fingerprint: "f3", endsAt: "2026-11-26T10:00:00Z" }), // too old
        note({ fingerprint: "f4", status: "firing" }),
      ],
      now,
      3600,
    );
    expect(out.map((a) => [a.ended, a.lastedS])).toEqual([
      ["2026-11-26T12:20:00Z", 600],
      ["2026-11-26T12:02:30Z", 150],
    ]);
  });

  it("shows what the remediator did for each alert, matched by incident", () => {
    const decision = (over: Partial<Decision>): Decision => ({
      at: Date.parse("2026-11-26T12:00:40Z") / 1000,
      result: "act",
      reason: "",
      action: "scale-up",
      service: "app",
      alertname: "AppSaturated",
      // The remediator writes the start as epoch seconds with milliseconds.
      incident: `s1@${(Date.parse("2026-11-26T12:00:30.123Z") / 1000).toFixed(3)}`,
      change: { kind: "scale", from: 3, to: 4 },
      dry_run: false,
      ...over,
    });
    const decisions = [
      decision({}),
      decision({ result: "cooldown", reason: "acted 5 s ago" }),
      decision({ incident: "other@1.000", action: "backup", change: { kind: "backup" } }),
    ];
    const [alert] = firing(
      [
        {
          fingerprint: "s1",
          labels: { alertname: "AppSaturated", severity: "warning" },
          annotations: {},
          startsAt: "2026-11-26T12:00:30.123456789Z",
          status: { state: "active" },
        },
      ],
      [],
      decisions,
    );
    expect(alert?.actions).toEqual(["scale-up app 3->4"]);
    const now = Date.parse("2026-11-26T12:10:00Z");
    expect(recentActions(decisions, now, 3600).map((a) => a.detail)).toEqual([
      "scale-up app 3->4",
      "backup app",
    ]);
    expect(recentActions(decisions, now, 60)).toEqual([]);
  });
});
