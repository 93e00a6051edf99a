/** A classroom: the student's flags, and the archive `docker load` reads from the trainer's blobs. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTrainer } from "../../lab/config/load.js";
import { EXIT } from "../../lab/errors.js";
import { withinRanges } from "../../lab/images/class-registry.js";
import { archivePlan, platformManifest } from "../../lab/images/from-trainer.js";

const d = (c: string) => `sha256:${c.repeat(64)}`;
const dir = mkdtempSync(join(tmpdir(), "swarm-lab-trainer-"));
const caFile = join(dir, "ca.crt");
writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
const keyFile = join(dir, "ca.key");
writeFileSync(keyFile, "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");

describe("--images-from and --ca", () => {
  it("are optional together, and give the trainer's address (default port 5443) and CA", () => {
    expect(loadTrainer(undefined, undefined)).toBeUndefined();
    expect(loadTrainer("192.168.1.20", caFile)).toMatchObject({
      address: "192.168.1.20:5443",
      caFile,
    });
    expect(loadTrainer("trainer.local:6000", caFile)?.address).toBe("trainer.local:6000");
  });

  it.each([
    ["an address without --ca", "192.168.1.20", undefined, /go together/],
    ["--ca without an address", undefined, caFile, /go together/],
    [
      "a URL instead of an address",
      "https://192.168.1.20:5443",
      caFile,
      /not an address with an optional port/,
    ],
    [
      "a CA file that does not exist",
      "192.168.1.20",
      join(dir, "nope.crt"),
      /is not a PEM certificate file/,
    ],
    [
      "the CA's key instead of its certificate",
      "192.168.1.20",
      keyFile,
      /is not a PEM certificate file/,
    ],
  ])("refuse %s (exit 2)", (_what, address, ca, message) => {
    let err: { message: string; exitCode: number } | undefined;
    try {
      loadTrainer(address, ca);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err?.message).toMatch(message);
    expect(err?.exitCode).toBe(EXIT.usage);
  });
});

describe("the archive docker load reads", () => {
  it("names the configuration and the layers as blobs, tagged with the trainer's reference", () => {
    const manifest = {
      config: { digest: d("c"), size: 10 },
      layers: [
        { digest: d("1"), size: 100 },
        { digest: d("2"), size: 200 },
      ],
    };
    const plan = archivePlan("swarm-lab/app:offline", manifest);
    expect(plan.blobs.map((b) => b.digest)).toEqual([d("c"), d("1"), d("2")]);
    expect(JSON.parse(plan.manifestJson)).toEqual([
      {
        Config: `blobs/sha256/${"c".repeat(64)}`,
        RepoTags: ["swarm-lab/app:offline"],
        Layers: [`blobs/sha256/${"1".repeat(64)}`, `blobs/sha256/${"2".repeat(64)}`],
      },
    ]);
    expect(() => archivePlan("x:1", { manifests: [] })).toThrow(/no configuration or layers/);
  });

  it("picks the engine's platform from an index", () => {
    const index = {
      manifests: [
        { digest: d("a"), size: 1, platform: { os: "linux", architecture: "amd64" } },
        { digest: d("b"), size: 1, platform: { os: "linux", architecture: "arm64" } },
      ],
    };
    expect(platformManifest(index, "arm64")?.digest).toBe(d("b"));
    expect(platformManifest(index, "amd64")?.digest).toBe(d("a"));
    expect(platformManifest({ manifests: [index.manifests[0] as never] }, "arm64")).toBeUndefined();
  });
});

describe("the class registry's addresses", () => {
  const ranges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"];
  it.each([
    ["192.168.1.20", true],
    ["172.17.0.1", true],
    ["172.32.0.1", false],
    ["10.255.255.255", true],
    ["127.0.0.1", true],
    ["192.0.2.2", false],
    ["8.8.8.8", false],
  ])("%s within the lab CA's ranges: %s", (ip, inside) => {
    expect(withinRanges(ip, ranges)).toBe(inside);
  });
});
