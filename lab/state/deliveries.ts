/** The delivery history: one JSON line per deploy or rollback, in the state folder (kept by down). */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Delivery } from "../deploy/plan.js";
import { LabError } from "../errors.js";
import { stateDir } from "./paths.js";

export const deliveriesFile = () => join(stateDir(), "deliveries.jsonl");

export function readDeliveries(file = deliveriesFile()): Delivery[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((line, i) => {
      try {
        return JSON.parse(line) as Delivery;
      } catch {
        throw new LabError(
          `${file} line ${i + 1} is not JSON`,
          "fix or remove that line (each line is one deploy or rollback)",
        );
      }
    });
}

export function recordDelivery(d: Delivery, file = deliveriesFile()): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(d)}\n`);
}
