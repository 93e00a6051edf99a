/** The issue forms are valid GitHub issue forms; the pull-request template carries the definition of done. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../lab/state/paths.js";

const DIR = join(REPO_ROOT, ".github/ISSUE_TEMPLATE");
const TYPES = new Set(["markdown", "input", "textarea", "dropdown", "checkboxes"]);

interface Field {
  type: string;
  id?: string;
  attributes?: { label?: string; value?: string; options?: unknown[] };
}

describe("issue and pull-request templates", () => {
  const forms = readdirSync(DIR).filter((f) => f.endsWith(".yml") && f !== "config.yml");

  it("there is a bug form and a capability form, and no blank issues", () => {
    expect(forms.sort()).toEqual(["bug.yml", "capability.yml"]);
    expect(parse(readFileSync(join(DIR, "config.yml"), "utf8"))).toEqual({
      blank_issues_enabled: false,
    });
  });

  it.each(["bug.yml", "capability.yml"])("%s follows GitHub's issue-form rules", (file) => {
    const form = parse(readFileSync(join(DIR, file), "utf8")) as {
      name?: string;
      description?: string;
      body?: Field[];
    };
    expect(form.name).toBeTruthy();
    expect(form.description).toBeTruthy();
    const body = form.body ?? [];
    expect(body.some((f) => f.type !== "markdown")).toBe(true);
    const ids = body.flatMap((f) => (f.id ? [f.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of body) {
      expect(TYPES.has(f.type), `${file}: type ${f.type}`).toBe(true);
      if (f.type === "markdown") expect(f.attributes?.value).toBeTruthy();
      else expect(f.attributes?.label, `${file}: ${f.id} has no label`).toBeTruthy();
      if (f.type === "dropdown") expect(f.attributes?.options?.length).toBeGreaterThan(0);
    }
  });

  it("the pull-request template's checklist points at files that exist", () => {
    const pr = readFileSync(join(REPO_ROOT, ".github/pull_request_template.md"), "utf8");
    expect(pr).toMatch(/Definition of done/);
    for (const path of ["docs/troubleshooting.md", "CONTRIBUTING.md"]) {
      expect(pr).toContain(path);
      expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
    }
    const contributing = readFileSync(join(REPO_ROOT, "CONTRIBUTING.md"), "utf8");
    for (const section of [
      "## How work is planned",
      "## Definition of done",
      "## How code is reviewed",
    ])
      expect(contributing).toContain(section);
  });
});
