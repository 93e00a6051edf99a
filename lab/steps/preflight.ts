/**
 * Before anything is built or created: an engine answers and the lab supports it (version, image
 * store, architecture), the entry point's ports are free.
 */
import { EXIT, LabError } from "../errors.js";
import { checkEngine, describeEngine } from "../plan/engine.js";
import { names } from "../plan/names.js";
import { requireEngine } from "../runtime/docker.js";
import { portFree } from "../runtime/ports.js";
import type { Step } from "./context.js";

export const preflight: Step = {
  title: "Checking the Docker engine and ports",
  async run(ctx, report) {
    const engine = await requireEngine(ctx.host);
    report(describeEngine(engine));
    const refused = checkEngine(engine, ctx.config.images);
    if (refused) throw refused;
    ctx.engine = engine;
    // Hosts as nodes: their own 80/443 are the entry (the play opened them), not this machine's.
    if (ctx.config.driver !== "dind") return;
    const edge = await ctx.host.containers.find(names.edge(ctx.config.name));
    if (edge?.State.Running) return; // our own entry point holds the ports
    const { bind, ports } = ctx.config;
    for (const [which, port] of [
      ["https", ports.https],
      ["http", ports.http],
    ] as const) {
      if (!(await portFree(bind, port))) {
        throw new LabError(
          `port ${bind}:${port} (${which}) is already in use by another program`,
          `stop that program (\`ss -ltnp 'sport = :${port}'\` names it) or choose another port: npm run lab:up -- --${which}-port ${which === "https" ? 8443 : 8080}`,
          EXIT.portTaken,
        );
      }
    }
  },
};
