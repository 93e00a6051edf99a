/**
 * `lab:down` without --keep-images: the registry's store and the lab's images go, and an image a
 * container of someone else still runs stays, named. Run last (`npm run test:purge`): in CI after
 * the hosts tier, which uses the images tests/teardown kept.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lab/config/load.js";
import { IMAGE_LABEL } from "../../lab/images/plan.js";
import { LABEL_LAB } from "../../lab/plan/names.js";
import { LABEL_IMAGE_STORE } from "../../lab/plan/registry.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { cli } from "../support/cli.js";

describe("lab down without --keep-images", () => {
  it("removes the registry's store and the lab's images, and keeps the one a bystander runs", async () => {
    const config = loadConfig(process.env.LAB_CONFIG, {});
    const host = hostDocker();
    const byLabel = { label: [`${LABEL_LAB}=${config.name}`] };
    const labImages = async () =>
      (await host.listImages({ filters: { label: [IMAGE_LABEL] } })).map((i) => i.Id).sort();
    const store = (
      (await host.listVolumes({ filters: { label: [...byLabel.label, LABEL_IMAGE_STORE] } }))
        .Volumes ?? []
    ).map((v) => v.Name);
    expect(
      await host.listContainers({ all: true, filters: byLabel }),
      "the lab must be down (kept images) before this test",
    ).toEqual([]);
    expect(store, "the registry's store, kept by lab:down --keep-images").toHaveLength(1);
    expect((await labImages()).length, "the lab's images, kept").toBeGreaterThan(1);
    const bystander = await host.createContainer({
      Image: "swarm-lab/base:bookworm",
      Cmd: ["true"],
      Labels: { bystander: "1" },
    });
    try {
      const held = (await bystander.inspect()).Image;
      const { code, stdout, stderr } = await cli(["down", "-o", "json"]);
      expect(code, stderr).toBe(0);
      const removed = JSON.parse(stdout) as {
        volumes: string[];
        images: string[];
        imagesInUse: string[];
      };
      expect(removed.volumes).toEqual(store);
      expect(removed.images.length).toBeGreaterThan(0);
      expect(removed.imagesInUse).toEqual([expect.stringContaining("swarm-lab/base:bookworm")]);
      expect(await labImages()).toEqual([held]);
      expect(((await host.listVolumes({ filters: byLabel })).Volumes ?? []).length).toBe(0);
      expect(await host.listNetworks({ filters: byLabel })).toEqual([]);
    } finally {
      await bystander.remove({ force: true });
    }
  });
});
