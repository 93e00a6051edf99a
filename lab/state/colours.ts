/**
 * A blue/green deploy between its switch and the old colour's retirement (.lab/colours.json):
 * what runs on each colour, until when blue is kept warm, and which process keeps it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "./paths.js";

export interface Colours {
  /** warm: green takes the traffic, blue still runs the old version; retiring: blue is being rolled */
  phase: "warm" | "retiring";
  blueImage: string;
  greenImage: string;
  switchedAt: string;
  retireAt: string;
  /** the deploy process keeping blue warm */
  pid: number;
}

export const coloursFile = () => join(stateDir(), "colours.json");

export function readColours(): Colours | null {
  if (!existsSync(coloursFile())) return null;
  try {
    return JSON.parse(readFileSync(coloursFile(), "utf8")) as Colours;
  } catch {
    return null;
  }
}

export function writeColours(c: Colours): void {
  mkdirSync(stateDir(), { recursive: true });
  writeFileSync(coloursFile(), `${JSON.stringify(c, null, 2)}\n`);
}

export function clearColours(): void {
  rmSync(coloursFile(), { force: true });
}
