/**
 * The deploy drill's --expand: the new version carries the example expand migration (a nullable
 * column), so the deploy under load runs a real schema change that the running version must
 * survive. Afterwards the drill puts the lab back: the version before serves again (a rolling
 * deploy without traffic), then the column is dropped and the revision set back (contract).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sqlOnLeader } from "../backup/members.js";
import { type DeployOptions, runningVersion } from "../deploy/checks.js";
import {
  EXAMPLE_LABEL,
  EXAMPLE_PATH,
  type ExpandExample,
  expandPlan,
  parseExample,
  parseSchemaState,
  schemaStateSql,
  undoSql,
} from "../deploy/expand.js";
import type { Delivery } from "../deploy/plan.js";
import { deployRolling } from "../deploy/rolling.js";
import { EXIT, LabError } from "../errors.js";
import { hostRef } from "../plan/registry.js";
import type { RunningLab } from "../running/lab.js";
import type { Log } from "../runtime/log.js";
import { REPO_ROOT } from "../state/paths.js";
import type { Check } from "./types.js";

export function exampleMigration(): ExpandExample {
  return parseExample(readFileSync(join(REPO_ROOT, EXAMPLE_PATH), "utf8"));
}

export async function schemaState(lab: RunningLab, ex: ExpandExample) {
  return parseSchemaState(await sqlOnLeader(lab, schemaStateSql(ex)));
}

async function carriesExample(lab: RunningLab, image: string): Promise<boolean> {
  const info = await lab.host.images.find(hostRef(image));
  if (!info) throw new Error(`image ${hostRef(image)} is not on this machine's engine`);
  return Boolean(info.Config?.Labels?.[EXAMPLE_LABEL]);
}

/**
 * Before the drill: the example must be applicable. A column left by an earlier run that did not
 * finish its undo, while the running version does not know it, is dropped first (said so);
 * anything else is refused with what to do.
 */
export async function requireApplicable(
  lab: RunningLab,
  ex: ExpandExample,
  log: Log,
): Promise<void> {
  const state = {
    ...(await schemaState(lab, ex)),
    runningCarriesExample: await carriesExample(lab, await runningVersion(lab)),
  };
  const plan = expandPlan(ex, state);
  if (plan === "apply") return;
  if (plan === "undo-first") {
    log.warn(
      `  the schema is at ${ex.revision}, left by an earlier expand drill: dropping ${ex.table}.${ex.column} (the running version does not use it) and setting the revision back to ${ex.revises}`,
    );
    await sqlOnLeader(lab, undoSql(ex));
    return;
  }
  throw new LabError(`cannot run the expand drill: ${plan.problem}`, plan.fix, EXIT.usage);
}

/** After the deploy: the example's revision is the schema's, and its column exists. */
export async function appliedCheck(lab: RunningLab, ex: ExpandExample): Promise<Check> {
  const s = await schemaState(lab, ex);
  return {
    name: `the expand migration ${ex.revision} ran with the deploy`,
    ok: s.revision === ex.revision && s.columnPresent,
    detail: `schema at ${s.revision}, ${ex.table}.${ex.column} ${s.columnPresent ? "present" : "absent"}`,
  };
}

/**
 * After the traffic: the version before the example serves again (deployed rolling unless it
 * already runs), then the contract step drops the column and sets the revision back.
 */
export async function undoExample(
  lab: RunningLab,
  ex: ExpandExample,
  from: string,
  opts: DeployOptions,
  log: Log,
): Promise<{ check: Check; delivery: Delivery | null }> {
  let delivery: Delivery | null = null;
  if ((await runningVersion(lab)) !== from) {
    log.info(`  undoing the example: ${from} deployed again (rolling, no traffic)`);
    delivery = await deployRolling(lab, from, opts, log);
    if (delivery.result !== "succeeded")
      return {
        delivery,
        check: {
          name: "the example was undone afterwards",
          ok: false,
          detail: `${from} not deployed again: ${delivery.reason ?? delivery.result}; the schema stays at ${ex.revision}`,
        },
      };
  }
  log.info(`  dropping ${ex.table}.${ex.column}, revision back to ${ex.revises}`);
  await sqlOnLeader(lab, undoSql(ex));
  const s = await schemaState(lab, ex);
  return {
    delivery,
    check: {
      name: "the example was undone afterwards",
      ok: s.revision === ex.revises && !s.columnPresent,
      detail: `${from} serves, schema at ${s.revision}, ${ex.table}.${ex.column} ${s.columnPresent ? "present" : "dropped"}`,
    },
  };
}
