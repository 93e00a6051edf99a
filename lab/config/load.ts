/** Reads the config file (if any), applies flags, validates. The only I/O of config/. */
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import { EXIT, LabError } from "../errors.js";
import type { Trainer } from "../images/from-trainer.js";
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

/** `--images-from HOST[:PORT] --ca FILE`, checked: both or neither, a CA that is a certificate. */
export function loadTrainer(
  address: string | undefined,
  caFile: string | undefined,
): Trainer | undefined {
  if (!address && !caFile) return undefined;
  if (!address || !caFile)
    throw new LabError(
      "--images-from and --ca go together",
      "npm run lab:up -- --images-from <trainer address>:5443 --ca <the trainer's ca.crt>",
      EXIT.usage,
    );
  if (!/^[\w.-]+(:\d{1,5})?$/.test(address))
    throw new LabError(
      `--images-from ${address} is not an address with an optional port`,
      "give the trainer's address as `lab images serve` printed it, for example 192.168.1.20:5443",
      EXIT.usage,
    );
  const ca = existsSync(caFile) ? readFileSync(caFile, "utf8") : undefined;
  if (!ca?.includes("-----BEGIN CERTIFICATE-----"))
    throw new LabError(
      `--ca ${caFile} is not a PEM certificate file`,
      "use the ca.crt the trainer gave (their .lab/ca/ca.crt; never the key)",
      EXIT.usage,
    );
  return { address: address.includes(":") ? address : `${address}:5443`, ca, caFile };
}
