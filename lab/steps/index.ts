/** The ordered steps of `up`. */
import { checkAlertingStep } from "./alerting.js";
import type { Step } from "./context.js";
import { restoreKeptDatabase } from "./database.js";
import { deployStack } from "./deploy.js";
import { distributeImages } from "./distribute.js";
import { startEdge } from "./edge.js";
import { buildImages, planStep, selectImages } from "./images.js";
import { createNodes } from "./nodes.js";
import { preflight } from "./preflight.js";
import { prepareState } from "./state.js";
import { formSwarm } from "./swarm.js";
import { waitHealthy } from "./wait.js";

export const UP_STEPS: Step[] = [
  preflight,
  selectImages,
  prepareState,
  buildImages,
  planStep,
  checkAlertingStep,
  createNodes,
  formSwarm,
  distributeImages,
  deployStack,
  startEdge,
  waitHealthy,
  restoreKeptDatabase,
];
