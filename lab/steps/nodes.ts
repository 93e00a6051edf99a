/** Creating the nodes and waiting for the engine inside each one. */
import { WaitAborted, waitFor } from "../wait/poll.js";
import { need, type Step } from "./context.js";

/** What a TLS client says when the server's certificate is from another CA. */
const CERT_ERROR = /certificate|self[- ]signed|unable to verify/i;

export const createNodes: Step = {
  title: "Creating nodes",
  async run(ctx, report) {
    const specs = need(ctx.plan, "plan").nodes;
    ctx.freshNodes = (await ctx.driver.list()).length === 0;
    const nodes = await Promise.all(specs.map((spec) => ctx.driver.create(spec)));
    await Promise.all(
      nodes.map((node) =>
        waitFor(
          `engine in node ${node.name}`,
          async () => {
            try {
              await ctx.driver.engine(node).ping();
            } catch (err) {
              if (CERT_ERROR.test(String((err as Error).message))) {
                throw new WaitAborted(
                  `node ${node.name}'s engine has a certificate from another CA (${(err as Error).message})`,
                  "the lab CA or the engine CA was replaced (new domain, a CA from before name constraints, engines from before they had a CA of their own): on ssh or vagrant hosts run the provisioning play again (it ships the engine CA); otherwise save your data (npm run lab:save), then npm run lab:down && npm run lab:up",
                  5,
                );
              }
              throw err;
            }
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
