/** The only place that writes human output. Plain lines; colour only on a TTY. */
const tty = process.stdout.isTTY === true && !process.env.CI;
const paint = (code: number) => (s: string) => (tty ? `\u001b[${code}m${s}\u001b[0m` : s);

export const colors = { green: paint(32), red: paint(31), yellow: paint(33), dim: paint(2) };

/** A command's result for people or scripts (stdout). */
export function stdout(text: string): void {
  console.log(text);
}

/** Messages beside the result: errors, warnings, progress under -o json (stderr). */
export function stderr(text: string): void {
  console.error(text);
}

export interface Log {
  info(line: string): void;
  warn(line: string): void;
  detail(line: string): void;
}

/** Progress lines on stdout; on stderr when `quiet` (stdout then carries JSON for scripts). */
export function consoleLog(verbose = false, quiet = false): Log {
  return {
    info: (line) => (quiet ? stderr(line) : stdout(line)),
    warn: (line) => stderr(colors.yellow(`warning: ${line}`)),
    detail: (line) => {
      if (verbose) (quiet ? stderr : stdout)(colors.dim(line));
    },
  };
}

export const isInteractive = tty;
