/** Runs the live view on a store until `until` aborts (q, Ctrl-C, the drill ending). */
import { createElement } from "react";
import {
  interactiveTerminal,
  liveScreen,
  printFrame,
  terminalColumns,
  terminalRows,
} from "../runtime/screen.js";
import { buildView } from "./model.js";
import { WatchScreen } from "./screen.js";
import type { WatchStore } from "./store.js";

export async function showStore(
  store: WatchStore,
  onQuit: () => void,
  until: AbortSignal,
): Promise<void> {
  const tty = interactiveTerminal();
  const frame = () =>
    createElement(WatchScreen, {
      view: buildView(store.state, terminalColumns(), tty, terminalRows()),
    });
  const screen = tty ? liveScreen(onQuit) : undefined;
  const draw = () => (screen ? screen.update(frame()) : printFrame(frame(), terminalColumns()));
  draw();
  const unsubscribe = store.subscribe(draw);
  await new Promise<void>((resolve) =>
    until.aborted ? resolve() : until.addEventListener("abort", () => resolve(), { once: true }),
  );
  unsubscribe();
  if (screen) {
    screen.update(frame());
    await screen.close();
  }
}
