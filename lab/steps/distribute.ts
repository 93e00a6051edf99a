/**
 * Serves the stack's images to the nodes: the lab's registry gets what it lacks (once per content
 * tag); the plan already names the served references, so each node pulls only what it runs.
 */
import { ensureRegistry, pushMissing } from "../images/registry.js";
import { sendMissing } from "../images/send.js";
import { planned } from "../plan/lab.js";
import { need, type Step } from "./context.js";

export const distributeImages: Step = {
  title: "Serving images to the nodes",
  async run(ctx, report) {
    const plan = need(ctx.plan, "plan");
    if (plan.delivery === "engine") {
      const images = plan.images
        .filter((i) => i.inStack)
        .map((i) => ({ ref: i.ref, served: i.served }));
      const sent = await Promise.all(
        need(ctx.nodes, "nodes").map((n) =>
          sendMissing(ctx.host, { name: n.name, engine: ctx.driver.engine(n) }, images),
        ),
      );
      report(
        `through each engine's API: ${sent.map((s, k) => `${need(ctx.nodes, "nodes")[k]?.name} ${s.length} sent`).join(", ")} (of ${images.length})`,
      );
      return;
    }
    const registryImage = planned(plan, "registry").ref;
    const port = await ensureRegistry(ctx.host, plan.lab, registryImage);
    const refs = plan.images.filter((i) => i.inStack).map((i) => i.ref);
    const pushed = await pushMissing(ctx.host, plan.lab, registryImage, port, refs);
    report(
      `${plan.registry.serve.name}: ${pushed.length} pushed, ${refs.length - pushed.length} already there`,
    );
  },
};
