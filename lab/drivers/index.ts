/** The node driver a configuration asks for. */
import type { LabConfig } from "../config/schema.js";
import { EXIT, LabError } from "../errors.js";
import { planNetwork } from "../plan/nodes.js";
import type { Engine } from "../runtime/docker.js";
import { engineClientTls, issueNodeCert } from "../state/tls.js";
import { DindDriver } from "./dind/driver.js";
import type { NodeDriver } from "./types.js";

export function makeDriver(config: LabConfig, host: Engine): NodeDriver {
  if (config.driver === "vagrant") {
    throw new LabError(
      "the vagrant driver is not available yet",
      "use --driver dind (the default)",
      EXIT.usage,
    );
  }
  return new DindDriver(host, config.name, planNetwork(config), {
    client: () => {
      try {
        return engineClientTls();
      } catch {
        throw new LabError(
          "the node engines' client certificate is missing from the state folder",
          "run npm run lab:up once (it creates .lab/engine/)",
          EXIT.notRunning,
        );
      }
    },
    issue: (address) => issueNodeCert(address),
  });
}
