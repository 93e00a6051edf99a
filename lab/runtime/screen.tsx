/**
 * The terminal: a live full-screen view redrawn in place (Ink), keys q and Ctrl-C, or, when
 * stdout is not a terminal, plain frames of text one after the other.
 */
import { render, renderToString, useInput } from "ink";
import type { ReactNode } from "react";

export const interactiveTerminal = (): boolean =>
  process.stdout.isTTY === true && process.stdin.isTTY === true;

export function terminalColumns(): number {
  return process.stdout.columns || 120;
}

/** Rows of the terminal; off a terminal, frames are not redrawn in place and need no limit. */
export function terminalRows(): number {
  return process.stdout.isTTY ? process.stdout.rows || 45 : 1000;
}

function Keys({ onQuit, children }: { onQuit: () => void; children: ReactNode }) {
  useInput((input, key) => {
    if (input === "q" || (key.ctrl && input === "c")) onQuit();
  });
  return <>{children}</>;
}

export interface LiveScreen {
  update(node: ReactNode): void;
  close(): Promise<void>;
}

/** A view redrawn in place; q or Ctrl-C call `onQuit` (the caller decides when to close). */
export function liveScreen(onQuit: () => void): LiveScreen {
  const app = render(<Keys onQuit={onQuit}>{null}</Keys>, {
    exitOnCtrlC: false,
    maxFps: 4,
  });
  return {
    update: (node) => app.rerender(<Keys onQuit={onQuit}>{node}</Keys>),
    close: async () => {
      app.unmount();
      await app.waitUntilExit();
    },
  };
}

/** One frame as plain text, for pipes and logs. */
export function printFrame(node: ReactNode, columns: number): void {
  process.stdout.write(`${renderToString(node, { columns })}\n\n`);
}
