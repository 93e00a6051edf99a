/**
 * The specification builds to a PDF (Markdown -> HTML -> headless Chromium), with every section
 * heading and the diagram drawn from the plan in it; read back with poppler's pdftotext.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { markdownToHtml } from "../../lab/docs/html.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { cli } from "../support/cli.js";

const SPEC = join(REPO_ROOT, "docs/specification.md");

describe("the specification", () => {
  it("has the sections a defense asks for", () => {
    const headings = [...readFileSync(SPEC, "utf8").matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    for (const needed of [
      /needs and users/i,
      /functional requirements/i,
      /technical requirements/i,
      /architecture/i,
      /alternatives/i,
      /security/i,
      /data/i,
      /supervision/i,
      /delivery and kpis/i,
      /risks/i,
    ])
      expect(
        headings.some((h) => needed.test(h ?? "")),
        `${needed} in ${headings}`,
      ).toBe(true);
  });

  it("inlines the images it is given and names those it is not", () => {
    const page = markdownToHtml("# T\n\n![a](a.svg)\n\n![b](b.png)\n", "t", {
      "a.svg": "data:image/svg+xml;base64,PHN2Zy8+",
    });
    expect(page.html).toContain('src="data:image/svg+xml;base64,PHN2Zy8+"');
    expect(page.missingImages).toEqual(["b.png"]);
    expect(page.headings).toEqual(["T"]);
  });

  it("npm run docs:pdf renders it with every heading and the diagram", {
    timeout: 120_000,
  }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), "spec-")), "spec.pdf");
    const r = await cli(["docs-pdf", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const pages = Number(
      /Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [out], { encoding: "utf8" }))?.[1],
    );
    expect(pages).toBeGreaterThanOrEqual(5);
    // NFKC: the fonts may set "ffl" as one ligature glyph, which pdftotext returns as U+FB04
    const text = execFileSync("pdftotext", ["-layout", out, "-"], { encoding: "utf8" }).normalize(
      "NFKC",
    );
    const headings = [...readFileSync(SPEC, "utf8").matchAll(/^#{1,2} (.+)$/gm)].map((m) =>
      (m[1] ?? "").replaceAll("`", ""),
    );
    let at = 0;
    for (const h of headings) {
      const found = text.indexOf(h, at);
      expect(found, `heading "${h}" missing or out of order`).toBeGreaterThanOrEqual(0);
      at = found;
    }
    // the diagram is drawn into the PDF as text: its title and the nodes' clusters
    expect(text).toMatch(/swarm-lab "lab": 3 nodes, offline image set/);
    expect(text).toContain("lab-node-3 (Swarm manager)");
  });

  it("refuses a source that refers to an image the build cannot draw", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spec-"));
    const src = join(dir, "bad.md");
    execFileSync("sh", ["-c", `printf '# x\\n\\n![p](photo.png)\\n' > ${src}`]);
    const r = await cli(["docs-pdf", "--in", src, "--out", join(dir, "bad.pdf")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refers to images the build does not provide: photo.png");
    const nowhere = await cli(["docs-pdf", "--out", "/nonexistent/spec.pdf"]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(
      "--out /nonexistent/spec.pdf: the folder /nonexistent does not exist",
    );
  });
});
