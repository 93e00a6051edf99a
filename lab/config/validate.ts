/** Pure validation: every problem is reported with its path, not only the first. */
import { ConfigSchema, type LabConfig } from "./schema.js";

export type Validation = { ok: true; config: LabConfig } | { ok: false; errors: string[] };

export function validateConfig(input: unknown): Validation {
  const parsed = ConfigSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const errors = parsed.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    return `${path}: ${issue.message}`;
  });
  return { ok: false, errors };
}

/** Deep merge of plain objects; later sources win. Used for file < flags. */
export function mergeInputs(...sources: Array<Record<string, unknown> | undefined>) {
  const out: Record<string, unknown> = {};
  for (const src of sources) {
    for (const [key, value] of Object.entries(src ?? {})) {
      if (value === undefined) continue;
      const prev = out[key];
      out[key] = isPlain(prev) && isPlain(value) ? mergeInputs(prev, value) : (value as unknown);
    }
  }
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
