/** The entry point on the host: one container publishing the lab's ports, spreading to every node. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { EXIT, LabError } from "../errors.js";
import { statePaths } from "../state/paths.js";
import { need, type Step } from "./context.js";

export const startEdge: Step = {
  title: "Starting the entry point",
  async run(ctx, report) {
    const plan = need(ctx.plan, "plan");
    if (plan.entry === "nodes") {
      report("Traefik on every node's 80/443 (no entry container on this machine)");
      return;
    }
    const edge = plan.edge;
    const { name, image, config: cfgText, bind, ports } = edge;
    const cfgPath = statePaths().edgeConfig;
    mkdirSync(dirname(cfgPath), { recursive: true });
    const existing = await ctx.host.containers.find(name);
    const sameConfig = (() => {
      try {
        return readFileSync(cfgPath, "utf8") === cfgText;
      } catch {
        return false;
      }
    })();
    const wantPorts = edge.portsLabel;
    if (
      existing?.State.Running &&
      sameConfig &&
      existing.Config.Image === image &&
      existing.Config.Labels["lab.ports"] === wantPorts
    ) {
      report(`${name} already serves ${wantPorts}`);
      return;
    }
    writeFileSync(cfgPath, cfgText);
    await ctx.host.containers.remove(name);
    try {
      await ctx.host.containers.run(
        {
          name,
          Image: image,
          Labels: edge.labels,
          ExposedPorts: { "443/tcp": {}, "80/tcp": {} },
          HostConfig: {
            NetworkMode: edge.network,
            PortBindings: {
              "443/tcp": [{ HostIp: bind, HostPort: String(ports.https) }],
              "80/tcp": [{ HostIp: bind, HostPort: String(ports.http) }],
            },
            RestartPolicy: { Name: "unless-stopped" },
          },
        },
        // Written into the container, not bound from this machine: the engine may not see its
        // files (a remote DOCKER_HOST, Docker Desktop's shared folders).
        { "/usr/local/etc/haproxy/haproxy.cfg": cfgText },
      );
    } catch (err) {
      const msg = (err as Error).message;
      if (/address already in use|port is already allocated/i.test(msg)) {
        throw new LabError(
          `the entry point cannot listen on ${bind}: ${msg}`,
          "choose free ports: --https-port 8443 --http-port 8080",
          EXIT.portTaken,
        );
      }
      throw err;
    }
    report(`${name} on ${wantPorts}`);
  },
};
