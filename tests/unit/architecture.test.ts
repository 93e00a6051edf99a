/**
 * The lab's own rules about its tree, checked on the source: only lab/runtime talks to the
 * outside world through the libraries that do it (Docker's API, HTTP, processes), and lab/ never
 * reaches into the developer tools (scripts/) or the tests.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lab/state/paths.js";

const LAB = join(REPO_ROOT, "lab");

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modules(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** Every module specifier a file imports (static, dynamic and type-only imports, re-exports). */
function importsOf(code: string): string[] {
  const found = [
    ...code.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']/gms),
    ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ...code.matchAll(/^\s*import\s+["']([^"']+)["']/gm),
  ];
  return found.map((m) => m[1] ?? "");
}

/** The libraries that touch the outside world: only lab/runtime may import them. */
const OUTSIDE = /^(dockerode|undici|zx|execa|(node:)?child_process|(node:)?net|(node:)?tls)$/;

describe("the lab's tree", () => {
  it("reads imports of every kind (the check can fail)", () => {
    const code = [
      'import type Docker from "dockerode";',
      'import {\n  request,\n} from "undici";',
      'const { spawn } = await import("node:child_process");',
      'export { x } from "./x.js";',
      'import "zx";',
    ].join("\n");
    expect(importsOf(code)).toEqual(["dockerode", "undici", "./x.js", "node:child_process", "zx"]);
  });

  it("only lab/runtime imports Docker's API, HTTP clients, sockets or processes", () => {
    const offenders = modules(LAB)
      .filter((f) => !relative(LAB, f).startsWith("runtime/"))
      .flatMap((f) =>
        importsOf(readFileSync(f, "utf8"))
          .filter((spec) => OUTSIDE.test(spec))
          .map((spec) => `${relative(REPO_ROOT, f)} imports ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it("lab/ never imports the developer tools (scripts/) or the tests", () => {
    const upward = modules(LAB).flatMap((f) =>
      importsOf(readFileSync(f, "utf8"))
        .filter((spec) => /(^|\/)(scripts|tests)\//.test(spec) && spec.startsWith("."))
        .map((spec) => `${relative(REPO_ROOT, f)} imports ${spec}`),
    );
    expect(upward).toEqual([]);
  });

  it("one module writes human output: runtime/log.ts (and the TUI, runtime/screen.tsx, draws its frames)", () => {
    const writers = modules(LAB)
      .filter((f) => !["runtime/log.ts", "runtime/screen.tsx"].includes(relative(LAB, f)))
      .filter((f) =>
        /\bconsole\.\w+\(|process\.std(out|err)\.write\(/.test(readFileSync(f, "utf8")),
      )
      .map((f) => relative(REPO_ROOT, f));
    expect(writers).toEqual([]);
    expect(readFileSync(join(LAB, "runtime/log.ts"), "utf8")).toMatch(/console\.log\(/);
  });

  it("the rooms of the old tree are gone: core/, system/, load/, bench/", () => {
    for (const room of ["core", "system", "load", "bench"]) {
      expect(modules(LAB).filter((f) => relative(LAB, f).startsWith(`${room}/`))).toEqual([]);
    }
  });

  it("waits go through runtime/clock.ts (injectable), and engines through the lab's port", () => {
    const outside = modules(LAB).filter((f) => !relative(LAB, f).startsWith("runtime/"));
    const offenders = outside.flatMap((f) => {
      const code = readFileSync(f, "utf8");
      return [
        /\bset(Timeout|Interval)\(/.test(code) ? "a timer" : "",
        /\b(hostDocker|tlsDocker)\b/.test(code) ? "a raw engine client" : "",
        /\.(getContainer|getService|getImage|listContainers|listServices|createContainer)\(/.test(
          code,
        )
          ? "dockerode's methods"
          : "",
      ]
        .filter(Boolean)
        .map((what) => `${relative(REPO_ROOT, f)} uses ${what}`);
    });
    expect(outside.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });
});
