/**
 * The live view is loaded on demand: React picks its build when first imported, and its
 * development build costs the view most of its CPU. Other commands never load React at all.
 */
import { prepareScreenEnv } from "../runtime/screen-env.js";

export async function loadView(): Promise<typeof import("./run.js")> {
  prepareScreenEnv();
  return import("./run.js");
}
