/** The CLI entry: parse argv, dispatch, and the ONE place that turns errors into messages + exit codes. */
import { Command, CommanderError } from "commander";
import { EXIT, LabError } from "../errors.js";
import { exitSoon } from "../runtime/clock.js";
import { colors, stderr } from "../runtime/log.js";
import { registerAlerts } from "./commands/alerts.js";
import { registerBackup } from "./commands/backup.js";
import { registerConfig } from "./commands/config.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerDiagram } from "./commands/diagram.js";
import { registerDocker } from "./commands/docker.js";
import { registerDocs } from "./commands/docs.js";
import { registerDown } from "./commands/down.js";
import { registerDrill } from "./commands/drill.js";
import { registerImages } from "./commands/images.js";
import { registerK6 } from "./commands/k6.js";
import { registerLogs } from "./commands/logs.js";
import { registerSave } from "./commands/save.js";
import { registerStatus } from "./commands/status.js";
import { registerUp } from "./commands/up.js";
import { registerWatch } from "./commands/watch.js";

export function buildProgram(): Command {
  const program = new Command("swarm-lab")
    .description("A three-node Docker Swarm lab on your machine, proven by attacking it.")
    .showHelpAfterError()
    .enablePositionalOptions()
    .exitOverride();
  registerUp(program);
  registerDown(program);
  registerStatus(program);
  registerConfig(program);
  registerDrill(program);
  registerBackup(program);
  registerSave(program);
  registerLogs(program);
  registerAlerts(program);
  registerDiagram(program);
  registerDocker(program);
  registerWatch(program);
  registerDocs(program);
  registerImages(program);
  registerK6(program);
  registerDeploy(program);
  return program;
}

export function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof CommanderError) {
    return { message: "", code: err.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  if (err instanceof LabError) {
    const hint = err.hint ? `\n${colors.yellow("fix:")} ${err.hint}` : "";
    return { message: `${colors.red("error:")} ${err.message}${hint}`, code: err.exitCode };
  }
  const e = err as Error;
  return {
    message: `${colors.red("unexpected error:")} ${e?.stack ?? String(err)}`,
    code: EXIT.bug,
  };
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const { message, code } = describeError(err);
    if (message) stderr(message);
    process.exitCode = code;
    // A call that timed out may still hold a socket open (an engine that never answers): once
    // the message is out, it must not keep the command alive. Unref'd: a clean exit is not delayed.
    exitSoon(code, 2000);
  }
}

await main();
