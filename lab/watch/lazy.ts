/**
 * The live view is loaded on demand: React picks its build when first imported, and its
 * development build costs the view most of its CPU. Other commands never load React at all.
 */
import { preferProductionReact } from "../runtime/screen-env.js";

export async function loadView(): Promise<typeof import("./run.js")> {
  preferProductionReact();
  return import("./run.js");
}
