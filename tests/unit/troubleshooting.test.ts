/**
 * Every error message the CLI can print has an entry in docs/troubleshooting.md. The messages are
 * read from the source: the first argument of each `new LabError(`, `new CommandError` and
 * commander's `InvalidArgumentError(`; the part of a message that does not vary (its longest
 * fixed run of text) must appear in the document.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lab/state/paths.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** The literal a call starts with (string or template), or undefined when it is an expression. */
function firstLiteral(code: string, from: number): string | undefined {
  let i = from;
  while (/\s/.test(code[i] ?? "")) i++;
  const quote = code[i];
  if (quote !== '"' && quote !== "'" && quote !== "`") return undefined;
  let out = "";
  for (let j = i + 1, depth = 0; j < code.length; j++) {
    const c = code[j];
    if (c === "\\") {
      const e = code[j + 1] ?? "";
      out += e === "n" ? "\n" : e;
      j++;
    } else if (quote === "`" && depth === 0 && code.startsWith("${", j)) {
      depth = 1;
      out += "\u0000"; // a variable part
      j++;
    } else if (depth > 0) {
      if (c === "{") depth++;
      if (c === "}") depth--;
    } else if (c === quote) return out;
    else out += c;
  }
  return undefined;
}

/** The longest fixed run of a message, without the punctuation around it. */
function fixedPart(message: string): string {
  const runs = message
    .split("\u0000")
    .map((r) => r.split("\n")[0]?.replace(/^[\s:;,.()"-]+|[\s:;,.("-]+$/g, "") ?? "");
  return runs.reduce((a, b) => (b.length > a.length ? b : a), "");
}

interface Raised {
  file: string;
  message?: string;
}

function raised(): Raised[] {
  const out: Raised[] = [];
  for (const file of sources(join(REPO_ROOT, "lab"))) {
    const code = readFileSync(file, "utf8");
    for (const m of code.matchAll(/new (LabError|InvalidArgumentError)\(/g)) {
      out.push({
        file: file.slice(REPO_ROOT.length + 1),
        message: firstLiteral(code, (m.index ?? 0) + m[0].length),
      });
    }
  }
  return out;
}

describe("troubleshooting", () => {
  const doc = readFileSync(join(REPO_ROOT, "docs/troubleshooting.md"), "utf8");
  const all = raised();

  it("finds the CLI's errors in the source (the scan itself works)", () => {
    expect(all.length).toBeGreaterThan(50);
    expect(
      fixedPart(firstLiteral("`port ${bind}:${port} (${which}) is already in use`)", 0) ?? ""),
    ).toBe("is already in use");
    expect(fixedPart(firstLiteral('"Graphviz is not installed", "hint"', 0) ?? "")).toBe(
      "Graphviz is not installed",
    );
  });

  it("every error message is a literal, so it can be looked up", () => {
    expect(all.filter((r) => r.message === undefined).map((r) => r.file)).toEqual([]);
  });

  it("every error message has an entry in docs/troubleshooting.md", () => {
    const missing = all
      .map((r) => ({ ...r, key: fixedPart(r.message ?? "") }))
      .filter((r) => r.key.length < 6 || !doc.includes(r.key))
      .map((r) => `${r.file}: "${r.key}" (from ${JSON.stringify(r.message)})`);
    expect(missing).toEqual([]);
  });

  it("and the errors the CLI adds around them: a failed command, a bug, commander's own", () => {
    for (const text of [
      "command failed (exit",
      "unexpected error:",
      "unknown option",
      "missing required argument",
    ])
      expect(doc).toContain(text);
  });
});
