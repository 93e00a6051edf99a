/** Printing command results: a table for people, JSON for scripts. */
import Table from "cli-table3";

export type OutputFormat = "text" | "json";

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map(String)));
  return t.toString();
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
