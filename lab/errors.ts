/** Exit codes, as the README's "Commands" section lists them. */
export const EXIT = {
  ok: 0,
  /** a step, a command or a drill's check failed */
  failure: 1,
  /** bad flags, configuration or input: nothing was changed */
  usage: 2,
  noEngine: 3,
  portTaken: 4,
  /** the lab, or the component the command needs, is not running */
  notRunning: 5,
  /** the lab runs but is not healthy (drills refuse to start) */
  notHealthy: 6,
  /** a bug: an invariant of the lab's own code does not hold */
  bug: 70,
  interrupted: 130,
} as const;

/** Errors that reach the user. The CLI's single catch turns them into a message and an exit code. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    /** One of EXIT; `lab:docker` passes the docker CLI's own code through. */
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = "LabError";
  }
}

/** A command that failed: the line a person can paste, its exit code, the last lines it printed. */
export class CommandError extends LabError {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly output: string,
    hint?: string,
  ) {
    super(`command failed (exit ${code ?? "signal"}): ${command}\n${tail(output, 20)}`, hint);
    this.name = "CommandError";
  }
}

export function tail(text: string, lines: number): string {
  const all = text.trimEnd().split("\n");
  return all
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join("\n");
}
