/**
 * Pure: what the offline set's Traefik takes from a later Traefik, and how. Traefik 3.7's retry
 * middleware retries idempotent requests on chosen statuses (`status: [502, 504]`), which is how
 * a GET survives a task killed under it; 3.6 retries only requests never written to a server.
 * The files and declarations below are copied verbatim from the 3.7 module into the 3.6 sources
 * before compiling; nothing else changes.
 */
import type { GoModule } from "./gomodule.js";

export interface Backport {
  from: GoModule;
  /** Whole files, replaced by the later version's. */
  files: string[];
  /** In each file, the top-level declarations (by their first line) to replace or add. */
  declarations: Record<string, string[]>;
}

export const TRAEFIK_BACKPORT: Backport = {
  from: { path: "github.com/traefik/traefik/v3", version: "v3.7.13" },
  files: [
    "pkg/middlewares/retry/retry.go",
    // The retry middleware replays a request's body with the mirror's reusable request.
    "pkg/server/service/loadbalancer/mirror/mirror.go",
  ],
  declarations: {
    "pkg/config/dynamic/middlewares.go": [
      "type Retry struct {",
      "func (r *Retry) SetDefaults() {",
      "RetryDefaultMaxRequestBodyBytes int64 =",
    ],
    "pkg/config/dynamic/zz_generated.deepcopy.go": ["func (in *Retry) DeepCopyInto(out *Retry) {"],
  },
};

/**
 * The declaration that starts with `head` (after indentation) in Go source: a brace block up to
 * the `}` that closes it at column 0, or the single line for a constant.
 */
export function goDeclaration(source: string, head: string): string | undefined {
  const lines = source.split("\n");
  const start = lines.findIndex((l) =>
    l
      .trimStart()
      .replace(/^const /, "")
      .startsWith(head),
  );
  if (start < 0) return undefined;
  if (!head.endsWith("{")) {
    const line = lines[start]?.trim() ?? "";
    return line.startsWith("const ") ? line : `const ${line}`;
  }
  const end = lines.findIndex((l, i) => i > start && l === "}");
  return end < 0 ? undefined : lines.slice(start, end + 1).join("\n");
}

/**
 * `target` with each declaration of `heads` taken from `source`: replaced where `target` has it,
 * appended where it does not. Throws when `source` lacks one (the backport no longer fits).
 */
export function backportDeclarations(target: string, source: string, heads: string[]): string {
  let out = target;
  for (const head of heads) {
    const wanted = goDeclaration(source, head);
    if (!wanted) throw new Error(`the backport source has no declaration "${head}"`);
    const present = goDeclaration(out, head);
    if (present && head.endsWith("{")) out = out.replace(present, wanted);
    else if (!present) out = `${out.trimEnd()}\n\n${wanted}\n`;
  }
  return out;
}
