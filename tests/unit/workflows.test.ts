/**
 * The CI/CD workflows in .github/workflows: GitHub's schema, actionlint (with shellcheck on every
 * `run:` script), every command they run exists, they run the same scripts as .ci/run, and the
 * release publishes exactly the images the official set builds.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planImages } from "../../lab/images/plan.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { schemasPresent, validatorFor } from "../support/schemas.js";

interface Step {
  run?: string;
  uses?: string;
}
interface Job {
  steps: Step[];
  strategy?: { matrix?: { include?: Array<Record<string, string>> } };
}
interface Workflow {
  jobs: Record<string, Job>;
}

const DIR = join(REPO_ROOT, ".github/workflows");
const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const workflow = (f: string) => parse(readFileSync(join(DIR, f), "utf8")) as Workflow;

/**
 * The repository's commands in a shell text: `npm …` and `bash <file>` lines or && parts, also
 * inside a background group (`( a && b ) > log 2>&1 &`).
 */
function commands(text: string): string[] {
  return text
    .split(/\n|&&/)
    .map((c) =>
      c
        .replace(/\|\| true\s*$/, "")
        .trim()
        .replace(/^\(\s*/, "")
        .replace(/\s*\)\s*>.*&$/, ""),
    )
    .filter((c) => /^(npm|bash) /.test(c));
}
const jobCommands = (job: Job) => job.steps.flatMap((s) => (s.run ? commands(s.run) : []));
const ciRun = commands(readFileSync(join(REPO_ROOT, ".ci/run"), "utf8"));

describe("CI/CD workflows", () => {
  it("there are the pull request, main, release and deploy workflows", () => {
    expect(files.sort()).toEqual(["deploy.yml", "main.yml", "pull-request.yml", "release.yml"]);
  });

  it("deploy uses lab:deploy itself, in an environment (production's approval lives there)", () => {
    const job = workflow("deploy.yml").jobs.deploy as Job & { environment?: string };
    expect(job.environment).toBe("${{ inputs.environment }}");
    const cmds = jobCommands(job);
    expect(cmds.filter((c) => c.startsWith("npm run lab:deploy")).length).toBe(2);
  });

  it("deploy runs only on a runner labelled with its environment (staging's cannot reach production)", () => {
    const job = workflow("deploy.yml").jobs.deploy as Job & { "runs-on"?: string[] };
    expect(job["runs-on"]).toEqual(["self-hosted", "swarm-lab", "${{ inputs.environment }}"]);
  });

  it("every action is pinned by a full commit, its version in a comment (a moved tag changes nothing)", () => {
    const uses = files.flatMap((f) =>
      readFileSync(join(DIR, f), "utf8")
        .split("\n")
        .filter((l) => /^\s*-?\s*uses:/.test(l))
        .map((l) => ({ file: f, line: l.trim() })),
    );
    expect(uses.length).toBeGreaterThan(10);
    const unpinned = uses.filter(
      (u) => !/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/.test(u.line),
    );
    expect(unpinned).toEqual([]);
  });

  describe.skipIf(!schemasPresent)("against ../shared/schemas/github-workflow.json", () => {
    it.each(files)("%s is a valid workflow", (f) => {
      expect(validatorFor("github-workflow.json")(workflow(f))).toEqual([]);
    });

    it("the schema really rejects a job without runs-on (the check can fail)", () => {
      const bad = { on: "push", jobs: { x: { steps: [{ run: "true" }] } } };
      expect(validatorFor("github-workflow.json")(bad).length).toBeGreaterThan(0);
    });
  });

  const actionlint = (args: string[], input?: string) =>
    spawnSync("bash", [join(REPO_ROOT, "scripts/actionlint.sh"), ...args], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      ...(input !== undefined ? { input } : {}),
    });

  it("actionlint (built from its Go module) finds nothing", () => {
    const r = actionlint([]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 300_000);

  it("actionlint really fails a broken workflow (the check can fail)", () => {
    const broken =
      "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    const r = actionlint(["-"], broken);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/matrix/);
  }, 300_000);

  it("every command a workflow runs exists: npm scripts in package.json, files for bash", () => {
    const scripts = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).scripts;
    const all = files.flatMap((f) => Object.values(workflow(f).jobs).flatMap(jobCommands));
    expect(all.length).toBeGreaterThan(5);
    for (const c of all) {
      const [tool, verb, name] = c.split(/\s+/);
      if (tool === "bash") expect(existsSync(join(REPO_ROOT, verb as string)), c).toBe(true);
      else if (verb === "run") expect(scripts, c).toHaveProperty([name as string]);
      else expect(["ci", "test"], c).toContain(verb);
    }
  });

  it("a pull request runs what .ci/run runs before the lab, in the same order", () => {
    const prTest = jobCommands(workflow("pull-request.yml").jobs.test as Job);
    const beforeLab = ciRun.slice(
      0,
      ciRun.findIndex((c) => c.startsWith("npm run lab:")),
    );
    expect(beforeLab).toEqual([
      "bash scripts/setup-host.sh",
      "npm ci --no-audit --no-fund",
      "bash scripts/setup-python.sh",
      "npm run lint",
      "npm test",
    ]);
    expect(prTest).toEqual(beforeLab);
  });

  it("a pull request also smoke-tests a lab: the same set-up, then npm run test:smoke", () => {
    expect(jobCommands(workflow("pull-request.yml").jobs.smoke as Job)).toEqual([
      "bash scripts/setup-host.sh",
      "npm ci --no-audit --no-fund",
      "bash scripts/setup-python.sh",
      "npm run test:smoke -- --images offline",
    ]);
  });

  it("main runs .ci/run itself, so the lab tests there are the ones CI runs here", () => {
    expect(jobCommands(workflow("main.yml").jobs.lab as Job)).toEqual(["bash .ci/run"]);
  });

  it("a release publishes every image the official set builds, with its context and arguments", () => {
    const matrix = workflow("release.yml").jobs.images?.strategy?.matrix?.include ?? [];
    const planned = planImages("official").flatMap((i) =>
      i.source.kind === "build"
        ? [
            {
              image: i.key,
              context: i.source.context,
              "build-args": Object.entries(i.source.args)
                .map(([k, v]) => `${k}=${v}`)
                .join("\n"),
            },
          ]
        : [],
    );
    expect(planned.length).toBeGreaterThan(0);
    expect(matrix).toEqual(planned);
  });
});
