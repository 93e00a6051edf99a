/**
 * Alerts that act, measured: a burst of password changes (argon2: CPU in the app; logins are
 * rate-limited at the entry point) saturates the app,
 * AppSaturated fires, the remediator scales the app up one replica, the load stops, the alert
 * resolves, and after the quiet period the app is back to its configured replicas.
 * Measures fault -> firing -> action -> resolved -> scaled back, and the number of actions.
 */

import { randomBytes } from "node:crypto";
import { activeAlerts, readDecisions, replicasOf, withPolicy } from "../alerts/remediation.js";
import type { RunningLab } from "../running/lab.js";
import { systemClock } from "../runtime/clock.js";
import { runLoad } from "../traffic/run.js";
import type { Check, Drill, DrillRun } from "./types.js";

/** The drill's own quiet period: the default (10 min) would make a drill of 12 minutes. */
export const DRILL_QUIET_S = 60;
const ALERT = "AppSaturated";
const GOAL_ACTION_S = 60;

/** The user whose password the drill changes (created once, kept; the admin's password stays as it is). */
async function drillUser(lab: RunningLab, headers: Record<string, string>): Promise<number> {
  // example.org: the API refuses special-use domains such as .localhost in new accounts.
  const email = "drill-load@example.org";
  const found = await lab.http.send(
    "GET",
    lab.url("app", `/users?q=${encodeURIComponent(email)}`),
    { headers },
  );
  const items = (JSON.parse(found.body) as { items?: Array<{ id: number; email: string }> }).items;
  const known = items?.find((u) => u.email === email);
  if (known) return known.id;
  const made = await lab.http.send("POST", lab.url("app", "/users"), {
    headers,
    body: { email, full_name: "alert-scale drill" },
  });
  if (made.status !== 201) throw new Error(`could not create ${email}: HTTP ${made.status}`);
  return (JSON.parse(made.body) as { id: number }).id;
}

const sinceS = (t0: number, t: number | null) =>
  t === null ? null : Math.round((t - t0) / 100) / 10;

export const alertScale: Drill = {
  name: "alert-scale",
  summary:
    "saturate the app with password changes: it is scaled up once, then back after the quiet period",
  async run(ctx) {
    const { lab } = ctx;
    const startedAt = new Date().toISOString();
    const events: DrillRun["events"] = [];
    // The configured count, not the count now: an earlier scale-up (warm-up, another drill) may
    // not have gone back yet.
    const base = lab.config.app.replicas;
    const headers = await lab.adminHeaders();
    const user = await drillUser(lab, headers);
    const times = {
      firing: null as number | null,
      action: null as number | null,
      resolved: null as number | null,
      back: null as number | null,
    };
    let t0 = 0;
    let most = base;
    let actions = 0;
    let heldBack = "";
    const mark = (what: string) => {
      const atS = Math.round(Date.now() - t0) / 1000;
      events.push({ atS, what });
      ctx.log.info(`  ${atS.toFixed(1).padStart(6)} s  ${what}`);
    };
    const load = await withPolicy(
      lab,
      // The drill's own limits: a quiet period of 60 s, and a rate limit that earlier drills in the
      // same hour cannot exhaust (restored afterwards; the rate limit is unit-tested).
      { actions: { "scale-up": { quietS: DRILL_QUIET_S } }, rateLimit: { max: 50 } },
      async () => {
        // Under the drill's short quiet period an earlier scale-up goes back within a minute:
        // start from the configured count when it does (the checks hold either way).
        const settleBy = Date.now() + (DRILL_QUIET_S + 30) * 1000;
        while (Date.now() < settleBy && !ctx.signal.aborted) {
          if ((await replicasOf(lab, "app").catch(() => base)) <= base) break;
          await systemClock.sleep(2000);
        }
        const stop = new AbortController();
        ctx.onAbort(async () => stop.abort());
        t0 = Date.now();
        const sending = runLoad({
          concurrency: ctx.opts.writers,
          durationMs: ctx.opts.durationS * 1000,
          signal: AbortSignal.any([stop.signal, ctx.signal]),
          onSample: ctx.onSample,
          send: () =>
            lab.http.send("PATCH", lab.url("app", `/users/${user}`), {
              headers,
              body: { password: randomBytes(12).toString("base64url") },
              timeoutMs: 10_000,
            }),
        });
        mark(`fault: ${ctx.opts.writers} clients changing a password without pause`);
        const deadline = t0 + (ctx.opts.durationS + 240) * 1000;
        while (times.back === null && Date.now() < deadline && !ctx.signal.aborted) {
          await systemClock.sleep(1000);
          const alerts = await activeAlerts(lab).catch(() => null);
          const decisions = await readDecisions(lab).catch(() => null);
          const replicas = await replicasOf(lab, "app").catch(() => most);
          most = Math.max(most, replicas);
          const firing = alerts?.find((a) => a.labels.alertname === ALERT);
          if (firing && times.firing === null) {
            times.firing = Math.max(Date.parse(firing.startsAt), t0);
            mark(`${ALERT} firing (since ${firing.startsAt})`);
          }
          const acted = (decisions ?? []).filter(
            (d) => d.action === "scale-up" && d.result === "act" && d.at * 1000 >= t0,
          );
          actions = acted.length;
          const refused = (decisions ?? []).find(
            (d) => d.action === "scale-up" && d.at * 1000 >= t0 && d.result !== "act",
          );
          if (refused && acted.length === 0) {
            heldBack = `${refused.result}: ${refused.reason}`;
            mark(`remediator did not act: ${heldBack}`);
            break;
          }
          if (acted[0] && times.action === null) {
            times.action = acted[0].at * 1000;
            mark(`remediator: scale-up ${JSON.stringify(acted[0].change)}; load stopped`);
            stop.abort();
          }
          if (
            times.action !== null &&
            times.firing !== null &&
            times.resolved === null &&
            alerts &&
            !firing
          ) {
            times.resolved = Date.now();
            mark(`${ALERT} resolved`);
          }
          if (times.resolved !== null && replicas === base && most > base) {
            times.back = Date.now();
            mark(`app back to ${base} replicas`);
          }
        }
        stop.abort();
        return sending;
      },
    );
    const faultToAction = sinceS(t0, times.action);
    const checks: Check[] = [
      {
        name: `${ALERT} fired`,
        ok: times.firing !== null,
        detail: `${sinceS(t0, times.firing) ?? "never"} s after the fault`,
      },
      {
        name: `fault -> action within ${GOAL_ACTION_S} s`,
        ok: faultToAction !== null && faultToAction <= GOAL_ACTION_S,
        detail:
          faultToAction === null
            ? `no action${heldBack ? ` (${heldBack})` : ""}`
            : `${faultToAction} s`,
      },
      {
        name: "exactly one scale-up",
        ok: actions === 1,
        detail: `${actions} actions, at most ${most} replicas`,
      },
      {
        name: "alert resolved",
        ok: times.resolved !== null,
        detail: `${sinceS(t0, times.resolved) ?? "never"} s`,
      },
      {
        name: `back to ${base} replicas after the quiet period`,
        ok: times.back !== null,
        detail: `${sinceS(t0, times.back) ?? "never"} s`,
      },
    ];
    return {
      drill: "alert-scale",
      startedAt,
      measures: {
        clients: ctx.opts.writers,
        passwordChangeP95Ms: load.latencyMs.p95,
        passwordChanges: load.requests,
        faultToFiringS: sinceS(t0, times.firing),
        firingToActionS:
          times.firing !== null && times.action !== null
            ? sinceS(times.firing, times.action)
            : null,
        faultToActionS: faultToAction,
        actionToResolvedS:
          times.action !== null && times.resolved !== null
            ? sinceS(times.action, times.resolved)
            : null,
        resolvedToScaledBackS:
          times.resolved !== null && times.back !== null
            ? sinceS(times.resolved, times.back)
            : null,
        scaleUpActions: actions,
        mostReplicas: most,
      },
      checks,
      timeline: [],
      events,
      passed: false,
    };
  },
};
