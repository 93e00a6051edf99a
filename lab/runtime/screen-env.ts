/**
 * What Ink and React read from the environment once, when first imported: set before the live
 * view loads them.
 */
import { isatty } from "node:tty";

export function prepareScreenEnv(): void {
  // React's production build: its development build costs the view most of its CPU.
  process.env.NODE_ENV ??= "production";
  // Ink draws nothing live when it thinks it runs in CI (CI or CONTINUOUS_INTEGRATION set), only
  // the last frame at exit; on a terminal, the user asked for the live view.
  // isatty, not process.stdin: creating the stdin stream before Ink does stops Ink from drawing.
  if (isatty(0) && isatty(1)) {
    process.env.CI = "false";
    process.env.CONTINUOUS_INTEGRATION = "false";
  }
}
