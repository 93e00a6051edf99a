/** Reads the config file (if any), applies flags, validates. The only I/O of config/. */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { EXIT, LabError } from "../errors.js";
import type { LabConfig } from "./schema.js";
import { mergeInputs, validateConfig } from "./validate.js";

export const DEFAULT_CONFIG_FILE = "swarm-lab.yaml";

export function loadConfig(file: string | undefined, flags: Record<string, unknown>): LabConfig {
  const path = file ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  let fromFile: Record<string, unknown> = {};
  if (path) {
    if (!existsSync(path)) {
      throw new LabError(
        `config file ${path} does not exist`,
        "give an existing file to --config",
        EXIT.usage,
      );
    }
    try {
      fromFile = (parse(readFileSync(path, "utf8")) as Record<string, unknown>) ?? {};
    } catch (err) {
      throw new LabError(
        `config file ${path} is not valid YAML: ${(err as Error).message}`,
        undefined,
        EXIT.usage,
      );
    }
  }
  const result = validateConfig(mergeInputs(fromFile, flags));
  if (!result.ok) {
    throw new LabError(
      `invalid configuration${path ? ` (${path} and flags)` : " (flags)"}:\n${result.errors.map((e) => `  - ${e}`).join("\n")}`,
      "fix the values above; `npm run lab -- config schema` prints every key",
      EXIT.usage,
    );
  }
  return result.config;
}
