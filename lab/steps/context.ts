/** What the steps of `up` share. Each step reads what earlier ones set. */
import type { LabConfig } from "../config/schema.js";
import type { LabNode, NodeDriver } from "../drivers/types.js";
import type { ImageSet, ImageSpec } from "../images/plan.js";
import type { Engine } from "../runtime/docker.js";
import type { Log } from "../runtime/log.js";

export interface UpContext {
  config: LabConfig;
  log: Log;
  host: Engine;
  driver: NodeDriver;
  imageSet?: ImageSet;
  imageReason?: string;
  images?: ImageSpec[];
  nodes?: LabNode[];
  /** the nodes were created by this run: the database members started empty */
  freshNodes?: boolean;
  stackDoc?: Record<string, unknown>;
}

export interface Step {
  title: string;
  run(ctx: UpContext, report: (line: string) => void): Promise<void>;
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} is not set by an earlier step`);
  return value;
}
