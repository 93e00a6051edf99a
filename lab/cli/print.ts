/** Printing command results: a table for people, JSON for scripts. */

import Table from "cli-table3";
import { Option } from "commander";
import { stdout } from "../runtime/log.js";

export type OutputFormat = "text" | "json";

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

export function printJson(value: unknown): void {
  stdout(JSON.stringify(value, null, 2));
}

/** `-o text|json`; anything else is refused with the choices (exit 2). */
export function outputOption(): Option {
  return new Option("-o, --output <format>", "text or json")
    .choices(["text", "json"])
    .default("text");
}
