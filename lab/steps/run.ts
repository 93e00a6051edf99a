/** Runs steps as a task list: a spinner on a TTY, one plain line per step elsewhere (CI). */
import { Listr } from "listr2";
import { isInteractive } from "../runtime/log.js";
import type { Step, UpContext } from "./context.js";

export async function runSteps(steps: Step[], ctx: UpContext): Promise<void> {
  const list = new Listr<UpContext>(
    steps.map((step) => ({
      title: step.title,
      task: async (c, task) => {
        const started = Date.now();
        let last = "";
        await step.run(c, (line) => {
          last = line;
          task.output = line;
        });
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        task.title = `${step.title} (${secs} s)${last ? `: ${last}` : ""}`;
      },
    })),
    {
      ctx,
      exitOnError: true,
      renderer: "default",
      fallbackRenderer: "simple",
      // Not a TTY (CI, pipes): the simple renderer prints one line per step.
      fallbackRendererCondition: !isInteractive,
      rendererOptions: { collapseErrors: false },
    },
  );
  await list.run();
}
