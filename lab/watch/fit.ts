/**
 * Pure: a view cut to the terminal's height. A frame taller than the terminal cannot be redrawn
 * in place (it scrolls, and the screen fills with stale lines), so the longest of the lists that
 * can shrink loses lines first ("… N more"), then the chart gets lower.
 */
import type { Line, Section, View } from "./model.js";

/** Sections that may lose lines, and whether they keep their newest (last) lines. */
const SHRINKABLE: Record<string, { min: number; keepLast: boolean }> = {
  "Tasks starting or failing": { min: 1, keepLast: false },
  "Alerts firing": { min: 2, keepLast: false },
  Drill: { min: 2, keepLast: true },
};
/** Shortened only when the chart is as low as it goes: a terminal far too small. */
const LAST_RESORT: Record<string, { min: number; keepLast: boolean }> = {
  "Services (running/desired)": { min: 1, keepLast: false },
  "Database (Patroni)": { min: 1, keepLast: false },
};
const CHART = { max: 6, min: 2 };

/** Lines a view takes: the title, each row (heading, its tallest section, a blank), the chart. */
export function viewHeight(view: View): number {
  return (
    1 +
    view.rows.reduce((n, row) => n + 2 + Math.max(0, ...row.map((s) => s.lines.length)), 0) +
    view.chart.length
  );
}

function shrink(section: Section, by: number): Section {
  const rule = SHRINKABLE[section.title] ?? LAST_RESORT[section.title];
  const keep = Math.max(rule?.min ?? section.lines.length, section.lines.length - by);
  if (keep >= section.lines.length) return section;
  const hidden = section.lines.length - keep + 1;
  const more: Line = { text: `… ${hidden} more`, tone: "dim" };
  const lines = rule?.keepLast
    ? [more, ...section.lines.slice(-(keep - 1))]
    : [...section.lines.slice(0, keep - 1), more];
  return { ...section, lines: keep === 1 ? [more] : lines };
}

/** `chart(h)` draws the chart `h` rows high (plus its axis line). */
export function fitView(view: View, rows: number, chart: (height: number) => string[]): View {
  const budget = rows - 1; // the cursor's line after the frame
  let fitted: View = { ...view, chart: chart(CHART.max) };
  let rules = SHRINKABLE;
  for (let guard = 0; guard < 200 && viewHeight(fitted) > budget; guard++) {
    const over = viewHeight(fitted) - budget;
    const candidates = fitted.rows
      .flat()
      .filter((s) => s.title in rules && s.lines.length > (rules[s.title]?.min ?? 0));
    const longest = candidates.sort((a, b) => b.lines.length - a.lines.length)[0];
    if (longest) {
      const target = longest;
      fitted = {
        ...fitted,
        rows: fitted.rows.map((row) => row.map((s) => (s === target ? shrink(s, over) : s))),
      };
      continue;
    }
    const height = fitted.chart.length - 1;
    if (height > CHART.min) {
      fitted = { ...fitted, chart: chart(Math.max(CHART.min, height - over)) };
      continue;
    }
    if (rules === LAST_RESORT) break; // nothing left to shorten: the terminal is too small
    rules = LAST_RESORT;
  }
  return fitted;
}
