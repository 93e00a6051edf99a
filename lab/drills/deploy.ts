/**
 * A deploy under load: a new version (the running code with a new version label, or with
 * --broken one whose readiness never passes) rolled out while 8 writers and 8 readers run.
 * Reports failed requests, writes lost, the switch time, and for a broken version the time from
 * its failure being visible to the old version serving again.
 */
import { deployOptions, imageSetOf } from "../deploy/plan.js";
import { deployRolling, runningVersion } from "../deploy/rolling.js";
import { derivedImage, shipToNodes } from "../deploy/versions.js";
import { recordDelivery } from "../state/deliveries.js";
import { ledgerCheck, trace, trafficMeasures, underTraffic } from "./scenario.js";
import type { Drill } from "./types.js";

/** The goal for a broken version: rolled back within this long after its failure is visible. */
export const ROLLBACK_GOAL_S = 15;

export const deployDrill: Drill = {
  name: "deploy",
  summary: "roll out a new app version under load (--broken: one that must be rolled back)",
  async run(ctx) {
    const { lab } = ctx;
    const broken = ctx.opts.broken === true;
    const startedAt = new Date().toISOString();
    const from = await runningVersion(lab);
    const image = await derivedImage(from, imageSetOf(from) ?? "offline", broken);
    await shipToNodes(lab, image);
    ctx.log.info(`  new version ${image}${broken ? " (broken: its readiness never passes)" : ""}`);
    let delivery: Awaited<ReturnType<typeof deployRolling>> | undefined;
    const result = await underTraffic(ctx, async (mark) => {
      mark(`deploy of ${image} started (rolling)`);
      delivery = await deployRolling(
        lab,
        image,
        { ...deployOptions(lab.config.deploy, "deploy"), signal: ctx.signal },
        ctx.log,
      );
      recordDelivery(delivery);
      mark(
        `deploy ${delivery.result} after ${delivery.durationS} s${delivery.reason ? `: ${delivery.reason}` : ""}`,
      );
    });
    const { writes, reads } = result.traffic;
    const failed = writes.failed + reads.failed;
    const d = delivery;
    return {
      drill: "deploy",
      startedAt,
      measures: {
        strategy: "rolling",
        broken: String(broken),
        version: image,
        result: d?.result ?? "not run",
        reason: d?.reason ?? null,
        deployS: d?.durationS ?? null,
        migrateS: d?.migrateS ?? null,
        switchS: d?.rolloutS ?? null,
        rollbackS: d?.rollbackS ?? null,
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
            {
              name: "no failed request",
              ok: failed === 0,
              detail: `${failed} failed of ${writes.requests + reads.requests}`,
            },
            ledgerCheck(result),
          ],
      ...trace(result),
    };
  },
};
