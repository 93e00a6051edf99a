import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { OFFICIAL } from "../../lab/images/official.js";
import { planImages } from "../../lab/images/plan.js";
import { planNodes } from "../../lab/plan/nodes.js";
import {
  hostRef,
  LABEL_IMAGE_STORE,
  manifestPath,
  planRegistry,
  registryHost,
  repoAndTag,
  servedDigests,
  servedRef,
  servesHostImage,
} from "../../lab/plan/registry.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { config } from "../support/config.js";

describe("the lab's registry plan", () => {
  it("names every stack image as the nodes pull it, and back", () => {
    const refs = [
      ...planImages("offline").map((i) => i.ref),
      ...Object.values(OFFICIAL),
      "swarm-lab/app:offline-0123456789ab",
      "swarm-lab/app:offline-release-20261128070000000",
    ];
    for (const ref of refs) {
      const served = servedRef("demo", ref);
      expect(served, ref).toBe(`demo-registry:5000/${ref}`);
      // Served twice is served once (lab:rollback ships a version the registry already has).
      expect(servedRef("demo", served)).toBe(served);
      expect(hostRef(served)).toBe(ref);
      expect(hostRef(ref), "a host reference is left alone").toBe(ref);
    }
    // A registry in the upstream name is part of the repository, not the lab's registry.
    expect(hostRef(OFFICIAL.cadvisor)).toBe("ghcr.io/google/cadvisor:v0.53.0");
  });

  it("asks the registry for a manifest by repository and tag", () => {
    expect(manifestPath("swarm-lab/app:offline-abc")).toBe(
      "/v2/swarm-lab/app/manifests/offline-abc",
    );
    expect(manifestPath(OFFICIAL.cadvisor)).toBe("/v2/ghcr.io/google/cadvisor/manifests/v0.53.0");
    expect(repoAndTag("localhost:5000/x/y:1")).toEqual({ repo: "localhost:5000/x/y", tag: "1" });
    expect(() => repoAndTag("localhost:5000/x/y")).toThrow(/no tag/);
    expect(() => repoAndTag(`x/y:1@sha256:${"0".repeat(64)}`)).toThrow(/no tag/);
  });

  describe("a digest both the registry and the host's engine agree on", () => {
    const d = (c: string) => `sha256:${c.repeat(64)}`;
    const [config, manifest, index, other] = [d("a"), d("b"), d("c"), d("d")];
    const schema2 = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.v2+json",
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: 7,
        digest: config,
      },
      layers: [],
    });
    const ociIndex = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { digest: manifest, platform: { os: "linux", architecture: "amd64" } },
        { digest: other, platform: { os: "linux", architecture: "arm64" } },
      ],
    });
    const table: [string, { digest: string | null; body: string }, string[], boolean][] = [
      [
        "classic store: the id is the configuration digest",
        { digest: manifest, body: schema2 },
        [config],
        true,
      ],
      [
        "containerd store: the id is the manifest digest",
        { digest: manifest, body: schema2 },
        [manifest],
        true,
      ],
      [
        "containerd store: the id is the index digest",
        { digest: index, body: ociIndex },
        [index],
        true,
      ],
      [
        "an engine holding one platform of the pushed index",
        { digest: index, body: ociIndex },
        [d("e"), other],
        true,
      ],
      [
        "Engine 27+ pushed the one platform it holds of a pulled index",
        { digest: manifest, body: schema2 },
        [index, manifest],
        true,
      ],
      ["another image under the same tag", { digest: manifest, body: schema2 }, [other], false],
      ["another image, no digest header", { digest: null, body: schema2 }, [manifest], false],
      ["a body that is not JSON", { digest: null, body: "not json" }, [config], false],
      ["no digest the host knows", { digest: index, body: ociIndex }, [config], false],
    ];
    it.each(table)("%s", (_what, served, host, expected) => {
      expect(servesHostImage(served, host)).toBe(expected);
    });

    it("names the manifest, its configuration, or an index and each of its manifests", () => {
      expect(servedDigests({ digest: manifest, body: schema2 })).toEqual([manifest, config]);
      expect(servedDigests({ digest: index, body: ociIndex })).toEqual([index, manifest, other]);
      expect(servedDigests({ digest: null, body: '{"config":{"digest":"sha256:short"}}' })).toEqual(
        [],
      );
    });
  });

  it("serves on the lab's network, pushes on loopback only, keeps its store with the images", () => {
    const plan = planRegistry("demo");
    expect(plan.serve).toMatchObject({
      name: "demo-registry",
      config: "serve",
      network: "demo-net",
    });
    expect(plan.push).toMatchObject({ name: "demo-registry-push", config: "push", network: null });
    expect(plan.volume.labels[LABEL_IMAGE_STORE]).toBe("registry");
    expect(plan.volume.labels["lab.keep"], "not a --purge volume").toBeUndefined();
    for (const node of planNodes(config({ name: "demo" }), "img"))
      expect(node.registry).toBe(registryHost("demo"));
  });

  it("serve.yml refuses writes and push.yml accepts them; both keep their uploads", () => {
    const read = (f: string) =>
      parse(readFileSync(join(REPO_ROOT, "images/registry", f), "utf8")) as {
        storage: { maintenance: { readonly?: { enabled: boolean } } };
        http: { addr: string };
      };
    const [serve, push] = [read("serve.yml"), read("push.yml")];
    expect(serve.storage.maintenance.readonly?.enabled).toBe(true);
    expect(push.storage.maintenance.readonly).toBeUndefined();
    for (const c of [serve, push]) expect(c.http.addr).toBe(":5000");
  });

  it("the registry runs on the host: it is built in both sets and never shipped to the nodes", () => {
    for (const set of ["official", "offline"] as const) {
      const reg = planImages(set).find((i) => i.key === "registry");
      expect(reg?.inStack, set).toBe(false);
      expect(reg?.source).toMatchObject({ kind: "build", context: "images/registry" });
    }
  });
});
