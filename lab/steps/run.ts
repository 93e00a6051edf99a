/** Runs steps as a task list: a spinner on a TTY, one plain line per step elsewhere (CI). */
import { Listr, type ListrRendererValue } from "listr2";
import { isInteractive } from "../runtime/log.js";
import type { Step, UpContext } from "./context.js";

/** `quiet`: no task list, one line per finished step through ctx.log (stderr under -o json). */
export async function runSteps(steps: Step[], ctx: UpContext, quiet = false): Promise<void> {
  const list = new Listr<UpContext, ListrRendererValue, ListrRendererValue>(
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
        if (quiet) c.log.info(`✔ ${task.title}`);
      },
    })),
    {
      ctx,
      exitOnError: true,
      renderer: quiet ? "silent" : "default",
      fallbackRenderer: quiet ? "silent" : "simple",
      // Not a TTY (CI, pipes): the simple renderer prints one line per step.
      fallbackRendererCondition: !isInteractive,
      rendererOptions: { collapseErrors: false },
    },
  );
  await list.run();
}
