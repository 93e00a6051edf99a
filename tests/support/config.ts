/** A validated lab configuration from a partial input, for tests of pure planning. */
import type { LabConfig } from "../../lab/config/schema.js";
import { validateConfig } from "../../lab/config/validate.js";

export function config(input: unknown = {}): LabConfig {
  const r = validateConfig(input);
  if (!r.ok) throw new Error(r.errors.join("; "));
  return r.config;
}
