/** Errors that reach the user. The CLI's single catch turns them into a message and an exit code. */
export class LabError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
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
