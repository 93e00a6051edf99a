/** `npm run dashboards`: writes grafana/dashboards/*.json from the TypeScript definitions. */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stdout } from "../runtime/log.js";
import { REPO_ROOT } from "../state/paths.js";
import { DASHBOARDS, dashboardJson } from "./index.js";

for (const [file, make] of Object.entries(DASHBOARDS)) {
  writeFileSync(join(REPO_ROOT, "grafana/dashboards", file), dashboardJson(make));
  stdout(`grafana/dashboards/${file}`);
}
