/**
 * The lab tests' order, fixed. Vitest runs the larger files first when it has no timings (CI), so
 * a test growing could make the drills run before the tests that need a quiet lab (it did: the
 * observability tests then met a lab still recovering). The lab files run in this order; any
 * other file keeps vitest's own.
 */
import { basename } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

export const LAB_ORDER = [
  // the order CI ran green in (largest file first, vitest's default without timings), kept
  "security.test.ts",
  "engine-trust.test.ts",
  "registry.test.ts",
  "remediation.test.ts",
  "backup.test.ts",
  "observability.test.ts",
  "watch.test.ts",
  "drills.test.ts",
  "app.test.ts",
  // Moving this file between watch and the drills saved the first drill's 105 s wait for the
  // remediator, but left the deploys right after the disaster drill's restore and new full
  // backup; in that CI run a blue/green deploy met 37 failed requests (503) of 3,317: kept here.
  "alerts.test.ts",
  "entry.test.ts",
  "docs.test.ts",
  "prometheus.test.ts",
  // deploys last: they replace the app's tasks, and wait for a healthy lab before they start
  "deploy.test.ts",
];

/** Pure: `files` with the lab files first, in LAB_ORDER; the others after, in their order. */
export function inLabOrder<T>(files: T[], path: (f: T) => string): T[] {
  const rank = (f: T) => {
    const i = LAB_ORDER.indexOf(basename(path(f)));
    return i === -1 ? LAB_ORDER.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b));
}

export class LabOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return inLabOrder(await super.sort(files), (f) => f.moduleId);
  }
}
