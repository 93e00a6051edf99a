/** The lab is up when every service converged and the app answers through the entry point. */

import { names } from "../plan/names.js";
import { expectedServices } from "../plan/stack.js";
import { labHttp } from "../running/lab.js";
import { waitFor } from "../wait/poll.js";
import { servicesConverged } from "../wait/services.js";
import { need, type Step } from "./context.js";

export const waitHealthy: Step = {
  title: "Waiting for a healthy lab",
  async run(ctx, report) {
    const nodes = need(ctx.nodes, "nodes");
    const manager = ctx.driver.engine(need(nodes[0], "first node"));
    const stack = names.stack(ctx.config.name);
    const expected = expectedServices(need(ctx.plan, "plan").stack.doc, nodes.length).map((s) => ({
      ...s,
      name: `${stack}_${s.name}`,
    }));
    const hint = `see the tasks: npm run lab:docker -- service ps ${stack}_app --no-trunc`;
    await waitFor("services", servicesConverged(manager, expected), {
      timeoutMs: 240_000,
      intervalMs: 1000,
      hint,
    });
    report("services converged");
    const http = labHttp(ctx.config, undefined, nodes);
    const url = http.url(`app.${ctx.config.domain}`, "/health/ready");
    try {
      await waitFor(
        `GET ${url}`,
        async () => {
          const res = await http.send("GET", url, { timeoutMs: 5000 });
          return { ok: res.status === 200, detail: `HTTP ${res.status} ${res.body.slice(0, 120)}` };
        },
        { timeoutMs: 120_000, intervalMs: 1000, hint },
      );
    } finally {
      await http.close();
    }
    report(`${url} answers 200`);
  },
};
