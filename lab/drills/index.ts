/** The drills the lab knows, by name. */
import { alertScale } from "./alert-scale.js";
import { appReplica } from "./app-replica.js";
import { dbPrimary } from "./db-primary.js";
import { dbSwitchover } from "./db-switchover.js";
import { deployDrill } from "./deploy.js";
import { disaster } from "./disaster.js";
import { nodeDown } from "./node-down.js";
import type { Drill, DrillOptions } from "./types.js";

export const DRILLS: Record<string, { drill: Drill; defaults: DrillOptions }> = {
  "app-replica": {
    drill: appReplica,
    defaults: { durationS: 30, faultAtS: 8, writers: 8, readers: 8 },
  },
  "db-primary": {
    drill: dbPrimary,
    defaults: { durationS: 70, faultAtS: 8, writers: 8, readers: 8 },
  },
  "db-switchover": {
    drill: dbSwitchover,
    defaults: { durationS: 30, faultAtS: 8, writers: 8, readers: 8 },
  },
  disaster: {
    drill: disaster,
    // The fault comes after one archive_timeout (60 s), so the repository holds some of the
    // traffic's writes and the RPO measures the archive, not when the traffic started.
    defaults: { durationS: 150, faultAtS: 75, writers: 8, readers: 8 },
  },
  // writers: clients logging in (the load); durationS: the longest the load may last.
  "alert-scale": {
    drill: alertScale,
    defaults: { durationS: 150, faultAtS: 0, writers: 16, readers: 0 },
  },
  "node-down": {
    drill: nodeDown,
    defaults: { durationS: 110, faultAtS: 8, writers: 8, readers: 8 },
  },
  // the fault is the deploy: rolling (rollout, smoke test, watch window) takes one to two minutes,
  // blue-green (green started, smoke test, switch, watch, 10 s warm, blue retired) two to three
  deploy: {
    drill: deployDrill,
    defaults: { durationS: 180, faultAtS: 8, writers: 8, readers: 8 },
  },
};
