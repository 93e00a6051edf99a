/** `lab config`: print the effective configuration or its JSON schema. */
import type { Command } from "commander";
import { loadConfig } from "../../config/load.js";
import { configJsonSchema } from "../../config/schema.js";
import { type ConfigFlags, configInput, withConfigOptions } from "../options.js";
import { printJson } from "../print.js";

export function registerConfig(program: Command): void {
  const config = program.command("config").description("the lab's configuration");
  withConfigOptions(
    config.command("show").description("print the effective configuration (file + flags)"),
  ).action((flags: ConfigFlags) => printJson(loadConfig(flags.config, configInput(flags))));
  config
    .command("schema")
    .description("print the configuration's JSON schema")
    .action(() => printJson(configJsonSchema()));
}
