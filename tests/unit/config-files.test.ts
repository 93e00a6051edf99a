import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { schemasPresent, validatorFor, withTraefik37Retry } from "../support/schemas.js";
import { has } from "../support/tools.js";

const yamlFile = (p: string) => parse(readFileSync(join(REPO_ROOT, p), "utf8"));

describe.skipIf(!schemasPresent)(
  "configuration files against ../shared/schemas (skipped where the folder is absent, as in a user clone)",
  () => {
    it.each([
      ["traefik-v3.json", "traefik/traefik.yml"],
      ["prometheus.json", "prometheus/prometheus.yml"],
      ["prometheus.rules.json", "prometheus/rules/lab.yml"],
    ])("%s accepts %s", (schema, file) => {
      expect(validatorFor(schema)(yamlFile(file))).toEqual([]);
    });

    it("traefik-v3-file-provider.json accepts traefik/dynamic.yml, with Traefik 3.7's retry fields", () => {
      const dynamic = yamlFile("traefik/dynamic.yml");
      const schema = "traefik-v3-file-provider.json";
      expect(validatorFor(schema, withTraefik37Retry)(dynamic)).toEqual([]);
      // The schema predates 3.7: as shipped it refuses the retry middleware (one error for each of
      // its 3.7 keys, status and timeout), only it.
      const plain = validatorFor(schema)(dynamic);
      expect(plain.filter((e) => !e.startsWith("/http/middlewares/retry "))).toEqual([
        "/http/middlewares/retry/retry must NOT have additional properties",
        "/http/middlewares/retry/retry must NOT have additional properties",
      ]);
    });

    it("the Traefik schema really rejects a wrong key (the check can fail)", () => {
      const bad = { ...yamlFile("traefik/traefik.yml"), entryPoints: { web: { adress: ":80" } } };
      expect(validatorFor("traefik-v3.json")(bad).length).toBeGreaterThan(0);
    });
  },
);

describe.skipIf(!has("promtool"))(
  "Prometheus files with promtool (skipped without promtool: apt-get install prometheus)",
  () => {
    it("promtool accepts the config and the rules", () => {
      const out = execFileSync(
        "promtool",
        ["check", "rules", join(REPO_ROOT, "prometheus/rules/lab.yml")],
        { encoding: "utf8" },
      );
      expect(out).toMatch(/SUCCESS: 22 rules found/);
      execFileSync("promtool", [
        "check",
        "config",
        "--syntax-only",
        join(REPO_ROOT, "prometheus/prometheus.yml"),
      ]);
    });

    it("promtool unit tests of the alert rules pass", () => {
      const out = execFileSync(
        "promtool",
        ["test", "rules", join(REPO_ROOT, "prometheus/tests/lab.test.yml")],
        {
          encoding: "utf8",
          cwd: join(REPO_ROOT, "prometheus"),
        },
      );
      expect(out).toMatch(/SUCCESS/);
      // 22 rules, 33 cases, some over hours of simulated time: seconds, more on a busy machine.
    }, 60_000);
  },
);

describe.skipIf(!has("docker"))("stack file with the docker CLI (skipped without docker)", () => {
  it.each(["offline", "official"] as const)(
    "docker stack config accepts the rendered %s stack",
    async (set) => {
      const { gatherFacts, resolveIfPresent } = await import("../../lab/steps/facts.js");
      const { planLab } = await import("../../lab/plan/lab.js");
      const { validateConfig } = await import("../../lab/config/validate.js");
      const { stackToYaml } = await import("../../lab/plan/stack.js");
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const r = validateConfig({});
      if (!r.ok) throw new Error("default config invalid");
      const resolve = (f: string) => {
        const res = resolveIfPresent(f);
        return res.hash === "not-yet-generated"
          ? { path: join(REPO_ROOT, "traefik/traefik.yml"), hash: "0".repeat(12) }
          : res;
      };
      const doc = planLab(r.config, gatherFacts(set, "test", {}, resolve)).stack.doc;
      const file = join(mkdtempSync(join(tmpdir(), "stack-")), "stack.yml");
      writeFileSync(file, stackToYaml(doc));
      const out = execFileSync("docker", ["stack", "config", "-c", file], { encoding: "utf8" });
      expect(parse(out).services.app.deploy.replicas).toBe(3);
    },
  );
});
