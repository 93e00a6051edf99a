/** What the steps of `up` share: the facts the first steps gather, then the plan the rest apply. */
import type { LabConfig } from "../config/schema.js";
import type { LabNode, NodeDriver } from "../drivers/types.js";
import type { Trainer } from "../images/from-trainer.js";
import type { ImageKey, ImageSet } from "../images/plan.js";
import type { EngineFacts } from "../plan/engine.js";
import type { LabPlan } from "../plan/lab.js";
import type { Engine } from "../runtime/docker.js";
import type { Log } from "../runtime/log.js";

export interface UpContext {
  config: LabConfig;
  log: Log;
  host: Engine;
  driver: NodeDriver;
  /** `--images-from`: the offline images come from a trainer's registry, nothing is built */
  trainer?: Trainer;
  /** the host engine, as preflight found it */
  engine?: EngineFacts;
  imageSet?: ImageSet;
  imageReason?: string;
  /** the host reference of each image made (content-tagged) */
  made?: Partial<Record<ImageKey, string>>;
  /** computed once, after the images are made; every later step reads it */
  plan?: LabPlan;
  nodes?: LabNode[];
  /** the nodes were created by this run: the database members started empty */
  freshNodes?: boolean;
}

export interface Step {
  title: string;
  run(ctx: UpContext, report: (line: string) => void): Promise<void>;
}

export function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} is not set by an earlier step`);
  return value;
}
