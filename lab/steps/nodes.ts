/** Creating the nodes and waiting for the engine inside each one. */
import { imageRef } from "../images/plan.js";
import { planNodes } from "../plan/nodes.js";
import { waitFor } from "../wait/poll.js";
import { need, type Step } from "./context.js";

export const createNodes: Step = {
  title: "Creating nodes",
  async run(ctx, report) {
    const specs = planNodes(ctx.config, imageRef(need(ctx.images, "images"), "node"));
    const nodes = await Promise.all(specs.map((spec) => ctx.driver.create(spec)));
    await Promise.all(
      nodes.map((node) =>
        waitFor(
          `engine in node ${node.name}`,
          async () => {
            await ctx.driver.engine(node).ping();
            return { ok: true, detail: "answers" };
          },
          { timeoutMs: 60_000, intervalMs: 500, hint: `look at its log: docker logs ${node.name}` },
        ),
      ),
    );
    ctx.nodes = nodes;
    report(nodes.map((n) => `${n.name} ${n.address}`).join(", "));
  },
};
