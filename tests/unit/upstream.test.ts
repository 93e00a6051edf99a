/**
 * Asking upstream registries before building. Docker Hub, ghcr.io and gcr.io cannot be reached
 * from this machine: the check runs against a local HTTP server that answers as a registry does
 * (the bearer-token dance of the distribution spec, Docker Hub's rate-limit headers and 429).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OFFICIAL } from "../../lab/images/official.js";
import { planImages, upstreamRefs } from "../../lab/images/plan.js";
import {
  bearerChallenge,
  classify,
  dockerHubPulls,
  tokenUrl,
  upstreamRef,
  verdict,
} from "../../lab/images/upstream.js";
import { checkUpstream } from "../../lab/images/upstream-check.js";
import type { Engine } from "../../lab/runtime/docker.js";
import { chooseImageSet } from "../../lab/steps/images.js";

describe("upstream references", () => {
  it("names the registry and repository a pull asks", () => {
    expect(upstreamRef("traefik:v3.7.13")).toMatchObject({
      registry: "registry-1.docker.io",
      repo: "library/traefik",
      tag: "v3.7.13",
    });
    expect(upstreamRef("prom/prometheus:v2.55.1")).toMatchObject({
      registry: "registry-1.docker.io",
      repo: "prom/prometheus",
    });
    expect(upstreamRef("ghcr.io/google/cadvisor:v0.53.0")).toMatchObject({
      registry: "ghcr.io",
      repo: "google/cadvisor",
      tag: "v0.53.0",
    });
    expect(upstreamRef("localhost:5000/x:1")).toMatchObject({
      registry: "localhost:5000",
      repo: "x",
    });
    expect(() => upstreamRef("traefik")).toThrow(/no tag/);
  });

  it("counts the Docker Hub pulls an official up makes: bases, then pulled images", () => {
    const refs = upstreamRefs("official");
    expect(refs).toEqual([
      OFFICIAL.debian,
      OFFICIAL.python,
      ...planImages("official").flatMap((i) => (i.source.kind === "pull" ? [i.ref] : [])),
    ]);
    // cAdvisor comes from ghcr.io, every other upstream image from Docker Hub.
    expect(dockerHubPulls(refs)).toBe(refs.length - 1);
    expect(upstreamRefs("offline")).toEqual([]);
  });

  it("reads a bearer challenge and builds the token request", () => {
    const c = bearerChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/traefik:pull"',
    );
    expect(c).toEqual({
      realm: "https://auth.docker.io/token",
      service: "registry.docker.io",
      scope: "repository:library/traefik:pull",
    });
    expect(tokenUrl({ realm: "https://ghcr.io/token" }, "google/cadvisor")).toBe(
      "https://ghcr.io/token?scope=repository%3Agoogle%2Fcadvisor%3Apull",
    );
    expect(bearerChallenge('Basic realm="x"')).toBeNull();
    expect(bearerChallenge(undefined)).toBeNull();
  });

  it("classifies answers, and names the fix for each refusal", () => {
    expect(classify("a:1", 200, { "ratelimit-remaining": "87;w=21600" })).toEqual({
      ok: true,
      ref: "a:1",
      remaining: 87,
    });
    const limited = classify("a:1", 429, { "ratelimit-remaining": "0;w=21600" });
    expect(limited).toMatchObject({ ok: false, why: "rate-limited" });
    const v = verdict([limited, { ok: true, ref: "b:1" }]);
    expect(v.ok).toBe(false);
    expect(v.refused).toEqual(["a:1: 429 toomanyrequests (ratelimit-remaining 0)"]);
    expect(v.fix).toMatch(/docker login.*--images offline/s);
    expect(verdict([{ ok: false, ref: "g:1", why: "unreachable", detail: "x" }]).fix).toMatch(
      /mirror or proxy/,
    );
    expect(verdict([{ ok: true, ref: "b:1" }])).toEqual({
      ok: true,
      refused: [],
      fix: expect.any(String),
    });
  });
});

/** A registry on loopback: 401 + challenge without a token, then `behaviour` per repository. */
let server: Server;
let base: string;
const tokensAsked: string[] = [];
const behaviour: Record<string, number> = {
  "library/traefik": 200,
  "prom/prometheus": 429,
  "google/cadvisor": 404,
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/token") {
      tokensAsked.push(url.searchParams.get("scope") ?? "");
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ token: "t0k" }));
    }
    const m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    if (req.method !== "HEAD" || !m) return res.writeHead(400).end();
    if (req.headers.authorization !== "Bearer t0k") {
      res.writeHead(401, { "www-authenticate": `Bearer realm="${base}/token",service="test"` });
      return res.end();
    }
    const status = behaviour[m[1] ?? ""] ?? 404;
    res.writeHead(status, { "ratelimit-remaining": status === 429 ? "0;w=21600" : "9;w=21600" });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("checking upstream before building", () => {
  const opts = () => ({ base: () => base, timeoutMs: 3000 });

  it("takes a token and asks each manifest with a HEAD", async () => {
    const answers = await checkUpstream(
      ["traefik:v3.7.13", "prom/prometheus:v2.55.1", "ghcr.io/google/cadvisor:v0.53.0"],
      opts(),
    );
    expect(answers.map((a) => (a.ok ? "ok" : a.why))).toEqual(["ok", "rate-limited", "not-found"]);
    expect(answers[0]).toMatchObject({ remaining: 9 });
    expect(tokensAsked).toContain("repository:library/traefik:pull");
  });

  it("says a registry that does not answer is unreachable", async () => {
    const answers = await checkUpstream(["traefik:v3.7.13"], {
      base: () => "http://127.0.0.1:1",
      timeoutMs: 2000,
    });
    expect(answers[0]).toMatchObject({ ok: false, why: "unreachable" });
  });

  // A fake engine holding no image: every upstream image would be pulled.
  const empty = { images: { find: async () => undefined } } as unknown as Engine;
  const holding = (refs: string[]) =>
    ({
      images: { find: async (r: string) => (refs.includes(r) ? { Id: "sha256:x" } : undefined) },
    }) as unknown as Engine;
  const check = (refs: string[]) => checkUpstream(refs, opts());

  it("auto falls back to the offline set and says why, official stops with the fix", async () => {
    const auto = await chooseImageSet("auto", empty, check);
    expect(auto.set).toBe("offline");
    expect(auto.reason).toMatch(
      /^auto: upstream refused 9 of 10 images \(debian:bookworm-slim: 404: no such image or tag, \.\.\.\), building every image locally$/,
    );
    await expect(chooseImageSet("official", empty, check)).rejects.toThrow(
      /cannot be pulled from here[\s\S]*prom\/prometheus:v2.55.1: 429/,
    );
  });

  it("asks only for what the engine lacks, and needs nothing when everything is here", async () => {
    const asked: string[][] = [];
    const spy = async (refs: string[]) => {
      asked.push(refs);
      return refs.map((ref) => ({ ok: true as const, ref, remaining: 5 }));
    };
    const have = upstreamRefs("official").slice(0, 3);
    const some = await chooseImageSet("official", holding(have), spy);
    expect(asked[0]).toEqual(upstreamRefs("official").slice(3));
    expect(some).toMatchObject({ set: "official" });
    expect(some.reason).toMatch(
      /7 upstream images to pull \(6 pulls from Docker Hub, Docker Hub allows this address 5 more\)/,
    );
    const all = await chooseImageSet("official", holding(upstreamRefs("official")), spy);
    expect(all.reason).toMatch(/every upstream image is here already/);
    expect(asked).toHaveLength(1);
    expect(await chooseImageSet("offline", empty, spy)).toMatchObject({ set: "offline" });
  });
});

describe("the documents' count of Docker Hub pulls", () => {
  it("is the plan's", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { REPO_ROOT } = await import("../../lab/state/paths.js");
    const pulls = dockerHubPulls(upstreamRefs("official"));
    for (const doc of ["README.md", "docs/machines.md"]) {
      const said = [
        ...readFileSync(join(REPO_ROOT, doc), "utf8").matchAll(/(\d+) pulls from Docker Hub/g),
      ];
      expect(said.length, doc).toBeGreaterThan(0);
      for (const m of said) expect(Number(m[1]), doc).toBe(pulls);
    }
  });
});
