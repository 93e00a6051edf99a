/** A writable copy of a Go module's source, downloaded through the Go module proxy. */
import { cpSync, mkdtempSync } from "node:fs";
import { LabError } from "../errors.js";
import { has, run } from "../runtime/exec.js";

export interface GoModule {
  path: string;
  version: string;
}

export async function copyGoModule(module: GoModule, what: string): Promise<string> {
  const src = mkdtempSync(`/tmp/swarm-lab-${what.toLowerCase()}-`);
  cpSync(await goModuleDir(module, what), src, { recursive: true });
  await run("chmod", ["-R", "u+w", src]);
  return src;
}

/** The read-only directory of a Go module's source in Go's module cache, downloaded if needed. */
export async function goModuleDir(module: GoModule, what: string): Promise<string> {
  if (!(await has("go"))) {
    throw new LabError(
      `the offline image set compiles ${what}, and \`go\` is not installed`,
      "install Go (https://go.dev/dl or apt-get install golang); the toolchain the module asks for is fetched by go itself",
    );
  }
  const ref = `${module.path}@${module.version}`;
  const info = JSON.parse(
    await run("go", ["mod", "download", "-json", ref], {
      hint: "the Go module proxy must answer (go env GOPROXY); without it use --images official",
    }),
  ) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new LabError(`go could not download ${ref}: ${info.Error ?? "no directory"}`);
  return info.Dir;
}
