/** The k6 profiles: each has a script, the run trusts only the lab CA, the pin matches the types. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LabError } from "../../lab/errors.js";
import { K6_IMAGE, K6_PROFILES, k6DockerArgs, k6Profile } from "../../lab/k6/plan.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { upstreamReachable } from "../../lab/steps/images.js";
import { cli } from "../support/cli.js";

const DIR = join(REPO_ROOT, "tests/k6");
const run = {
  profile: "smoke" as const,
  domain: "lab.localhost",
  bind: "127.0.0.1",
  httpsPort: 443,
  scriptsDir: DIR,
  caCert: "/state/ca/ca.crt",
  adminPasswordFile: "/state/secrets/app-admin-password",
  reportsDir: "/repo/reports",
  stamp: "2026-11-27T10-00-00.000Z",
};

describe("k6 profiles", () => {
  it("every profile is a script in tests/k6, and every script there (but the shared lab.ts) a profile", () => {
    const scripts = readdirSync(DIR)
      .filter((f) => f.endsWith(".ts") && f !== "lab.ts")
      .map((f) => f.replace(/\.ts$/, ""));
    expect(scripts.sort()).toEqual([...K6_PROFILES].sort());
  });

  it.each(K6_PROFILES)("%s declares thresholds on failed requests (the lab's promises)", (p) => {
    const text = readFileSync(join(DIR, `${p}.ts`), "utf8");
    expect(text).toMatch(/thresholds:/);
    expect(text).toMatch(/promises\("rate[<=]|http_req_failed/);
  });

  it("an unknown profile is refused with the list (exit 2)", () => {
    expect(() => k6Profile("soak")).toThrow(LabError);
    expect(() => k6Profile("soak")).toThrow(/no k6 profile "soak"/);
  });

  it("the image's version is the pinned @types/k6 major.minor the scripts are checked with", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    const pin = pkg.devDependencies["@types/k6"] as string;
    expect(pin).toMatch(/^~\d+\.\d+\.\d+$/);
    const [major, minor] = pin.slice(1).split(".");
    expect(K6_IMAGE).toMatch(new RegExp(`^grafana/k6:${major}\\.${minor}\\.`));
  });
});

describe("the k6 container", () => {
  const args = k6DockerArgs(run);
  const env = args.flatMap((a, i) => (args[i - 1] === "-e" ? [a] : []));

  it("trusts only the lab CA (SSL_CERT_FILE replaces the system roots) and never skips checks", () => {
    expect(env).toContain("SSL_CERT_FILE=/lab/ca.crt");
    expect(args).toContain("/state/ca/ca.crt:/lab/ca.crt:ro");
    expect(args.join(" ")).not.toMatch(/insecure/i);
  });

  it("reads the admin password from a mounted file, never from its command line", () => {
    expect(args).toContain("/state/secrets/app-admin-password:/lab/admin-password:ro");
    expect(env).toContain("LAB_ADMIN_PASSWORD_FILE=/lab/admin-password");
    expect(env.some((e) => e.startsWith("LAB_ADMIN_PASSWORD="))).toBe(false);
  });

  it("runs the profile's script with a JSON summary in reports/, on the host's network", () => {
    expect(args.slice(-4)).toEqual([
      "run",
      "--summary-export",
      "/reports/k6-smoke-2026-11-27T10-00-00.000Z.json",
      "/scripts/smoke.ts",
    ]);
    expect(args.join(" ")).toContain("--network host");
  });

  it("aims at the entry point: 127.0.0.1 when it listens everywhere, and its port", () => {
    const any = k6DockerArgs({ ...run, bind: "0.0.0.0", httpsPort: 8443 });
    expect(any).toContain("LAB_ENTRY=127.0.0.1:8443");
    expect(k6DockerArgs({ ...run, bind: "10.0.0.5" })).toContain("LAB_ENTRY=10.0.0.5:443");
  });
});

const online = await upstreamReachable();
describe.skipIf(online)("lab:k6 without Docker Hub (skipped where Docker Hub answers)", () => {
  it("says k6 cannot run here and names the built-in load generator (exit 2)", async () => {
    const r = await cli(["k6", "smoke"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/k6 cannot run here: grafana\/k6:.* Docker Hub does not answer/);
    expect(r.stderr).toMatch(/npm run lab:drill/);
  }, 30_000);
});
