/**
 * How many images `up` makes at once. Every lab image starts from the bases only, so after the
 * bases they are independent; a build waits on the package mirror as much as on the CPU, so a
 * few at once finish sooner than one after the other, even on 2 cores (bench: `npm run bench:up`).
 */
import { EXIT, LabError } from "../errors.js";

export const DEFAULT_BUILD_JOBS = 3;

/** Pure: the number of builds at once, from LAB_BUILD_JOBS (1-8) or the default. */
export function buildJobs(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_BUILD_JOBS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 8)
    throw new LabError(
      `LAB_BUILD_JOBS=${value} is not a number of builds from 1 to 8`,
      "unset it (3 builds at once), or set LAB_BUILD_JOBS=1 on a machine short of memory",
      EXIT.usage,
    );
  return n;
}

/**
 * Runs `work` on every item, at most `limit` at once, and waits for all of them even when one
 * fails (no build is left running behind an error); then throws the first error, or returns the
 * results in the items' order.
 */
export async function eachLimited<T, R>(
  items: T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i] as T);
      } catch (err) {
        errors.push(err);
        next = items.length; // start nothing more
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
  return results;
}
