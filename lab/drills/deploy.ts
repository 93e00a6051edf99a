/**
 * A deploy under load: a new version (the running code with a new version label, or with
 * --broken one whose readiness never passes) rolled out, or deployed blue/green (switched to,
 * the old colour kept warm a few seconds, then retired), while 8 writers and 8 readers run.
 * Reports failed requests, writes lost, the switch time, and for a broken version the time from
 * its failure being visible to the old version serving again. --expand: the new version carries
 * the example expand migration (./expand.ts), undone after the traffic.
 */

import { deployBlueGreen, keepWarm, retire } from "../deploy/bluegreen.js";
import { type DeployOptions, runningVersion } from "../deploy/checks.js";
import { exportKpis } from "../deploy/export.js";
import { type Delivery, deployOptions, imageSetOf } from "../deploy/plan.js";
import { deployRolling } from "../deploy/rolling.js";
import { derivedImage, shipToNodes } from "../deploy/versions.js";
import type { RunningLab } from "../running/lab.js";
import type { Log } from "../runtime/log.js";
import { readColours } from "../state/colours.js";
import { recordDelivery } from "../state/deliveries.js";
import { appliedCheck, exampleMigration, requireApplicable, undoExample } from "./expand.js";
import { ledgerCheck, trace, trafficMeasures, underTraffic } from "./scenario.js";
import type { Check, Drill } from "./types.js";

/** The goal for a broken version: rolled back within this long after its failure is visible. */
export const ROLLBACK_GOAL_S = 10;
/** Blue/green in a drill: the old colour is kept warm this long before it is retired. */
const DRILL_WARM_S = 10;
/**
 * The traffic goes on this long after the deploy (and a blue/green deploy's retiring) ended, then
 * stops: --duration is the longest a deploy may be watched, sized for the slowest runs.
 */
const AFTER_DEPLOY_S = 10;

/** The delivery in the history, and the KPIs Prometheus reads brought up to date. */
async function record(lab: RunningLab, d: Delivery, log: Log): Promise<void> {
  recordDelivery(d);
  await exportKpis(lab, log);
}

/**
 * Blue/green: deploy, keep the old colour warm a moment, retire it; the seconds retiring took,
 * and the version the stack's app service runs afterwards (the new one once retired).
 */
async function blueGreen(
  lab: RunningLab,
  image: string,
  opts: DeployOptions,
  log: Log,
): Promise<{ delivery: Delivery; retireS: number | null; retiredTo: string | null }> {
  const delivery = await deployBlueGreen(lab, image, { ...opts, warmS: DRILL_WARM_S }, log);
  if (delivery.result !== "succeeded") return { delivery, retireS: null, retiredTo: null };
  await record(lab, delivery, log);
  const next = await keepWarm(log, opts.signal);
  const warm = readColours();
  if (next !== "retire" || !warm) return { delivery, retireS: null, retiredTo: null };
  const retireS = await retire(lab, warm, opts, log);
  return { delivery, retireS, retiredTo: await runningVersion(lab) };
}

export const deployDrill: Drill = {
  name: "deploy",
  summary: "roll out a new app version under load (--broken: one that must be rolled back)",
  async run(ctx) {
    const { lab } = ctx;
    const broken = ctx.opts.broken === true;
    const strategy = ctx.opts.strategy ?? "rolling";
    const startedAt = new Date().toISOString();
    const example = ctx.opts.expand ? exampleMigration() : undefined;
    const from = await runningVersion(lab);
    if (example) await requireApplicable(lab, example, ctx.log);
    const image = await shipToNodes(
      lab,
      await derivedImage(from, imageSetOf(from) ?? "offline", broken, example),
    );
    ctx.log.info(
      `  new version ${image}${broken ? " (broken: its readiness never passes)" : ""}${example ? ` (with the expand migration ${example.revision}: ${example.table}.${example.column})` : ""}`,
    );
    let delivery: Delivery | undefined;
    let retireS: number | null = null;
    let retiredTo: string | null = null;
    let applied: Check | undefined;
    const opts = { ...deployOptions(lab.config.deploy, "deploy"), signal: ctx.signal };
    const result = await underTraffic(
      ctx,
      async (mark) => {
        mark(`deploy of ${image} started (${strategy})`);
        if (strategy === "rolling") {
          delivery = await deployRolling(lab, image, opts, ctx.log);
          await record(lab, delivery, ctx.log);
        } else {
          const r = await blueGreen(lab, image, opts, ctx.log);
          delivery = r.delivery;
          retireS = r.retireS;
          retiredTo = r.retiredTo;
          if (delivery.result !== "succeeded") await record(lab, delivery, ctx.log);
        }
        mark(
          `deploy ${delivery.result} after ${delivery.durationS} s${delivery.reason ? `: ${delivery.reason}` : ""}${retireS === null ? "" : `; old colour retired in ${retireS} s`}`,
        );
        if (example) applied = await appliedCheck(lab, example);
      },
      AFTER_DEPLOY_S,
    );
    // Interrupted: no deploy now (it would stop at once); the next run drops the column itself,
    // or says to run lab:rollback first when the version with the example still serves.
    if (example && ctx.signal.aborted)
      ctx.log.warn(
        `  interrupted: the example ${example.revision} is not undone; the next expand drill does it (after npm run lab:rollback if the version with it still serves)`,
      );
    const undo =
      example && !ctx.signal.aborted
        ? await undoExample(lab, example, from, opts, ctx.log)
        : undefined;
    if (undo?.delivery) await record(lab, undo.delivery, ctx.log);
    const { writes, reads } = result.traffic;
    const failed = writes.failed + reads.failed;
    const d = delivery;
    return {
      drill: "deploy",
      startedAt,
      measures: {
        strategy,
        broken: String(broken),
        version: image,
        result: d?.result ?? "not run",
        reason: d?.reason ?? null,
        deployS: d?.durationS ?? null,
        migrateS: d?.migrateS ?? null,
        switchS: d?.rolloutS ?? null,
        rollbackS: d?.rollbackS ?? null,
        restoredS: d?.restoredS ?? null,
        retireS,
        expandMigration: example?.revision ?? null,
        ...trafficMeasures(result),
      },
      checks: broken
        ? [
            {
              name: "the broken version was rolled back",
              ok: d?.result === "rolled-back",
              detail: d?.reason ?? "no deploy",
            },
            {
              name: `rolled back within ${ROLLBACK_GOAL_S} s of the failure being visible`,
              ok: d?.rollbackS != null && d.rollbackS <= ROLLBACK_GOAL_S,
              detail: `${d?.rollbackS ?? "not rolled back"} s`,
            },
            ledgerCheck(result),
          ]
        : [
            {
              name: "the new version runs on every task",
              ok: d?.result === "succeeded",
              detail: d?.reason ?? `${d?.durationS} s`,
            },
            ...(strategy === "blue-green"
              ? [
                  {
                    name: "the old colour was retired after its warm period, to the new version",
                    ok: retireS !== null && retiredTo === image,
                    detail:
                      retireS === null
                        ? "not retired"
                        : `${retireS} s; the app service runs ${retiredTo}`,
                  },
                ]
              : []),
            {
              name: "no failed request",
              ok: failed === 0,
              detail: `${failed} failed of ${writes.requests + reads.requests}`,
            },
            ledgerCheck(result),
            ...(applied ? [applied] : []),
            ...(undo ? [undo.check] : []),
          ],
      ...trace(result),
    };
  },
};
