/** Benchmarks and drills write JSON plus a readable summary under reports/. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../state/paths.js";

export function writeReport(
  name: string,
  data: unknown,
  summary: string,
): { json: string; text: string } {
  const dir = join(REPO_ROOT, "reports");
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const text = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(text, summary);
  return { json, text };
}
