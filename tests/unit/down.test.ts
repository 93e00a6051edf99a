/** lab:down against a recording fake engine: what it removes, and what it leaves because it is in use. */
import { describe, expect, it } from "vitest";
import type { NodeDriver } from "../../lab/drivers/types.js";
import { takeDown } from "../../lab/running/down.js";
import type { Engine } from "../../lab/runtime/docker.js";

interface Image {
  Id: string;
  RepoTags: string[];
  Created: number;
  parent?: string;
}

/** An engine holding `images` and one container of another program that runs `usedImage`. */
function fakeEngine(images: Image[], usedImage: string) {
  const removed: string[] = [];
  let left = [...images];
  const engine = {
    containers: {
      list: async (filters: { label?: string[] }) =>
        filters.label ? [] : [{ Id: "c1", Names: ["/swarm-lab-class"], ImageID: usedImage }],
      remove: async () => {},
    },
    volumes: { list: async () => [], remove: async () => {} },
    networks: { list: async () => [], remove: async () => {} },
    images: {
      list: async () => left,
      remove: async (id: string) => {
        if (id === usedImage)
          throw new Error(
            `(HTTP code 409) conflict - conflict: unable to delete ${id} (cannot be forced) - image is being used by running container c1`,
          );
        if (left.some((i) => i.parent === id))
          throw new Error(
            `(HTTP code 409) conflict - conflict: unable to delete ${id} (cannot be forced) - image has dependent child images`,
          );
        left = left.filter((i) => i.Id !== id);
        removed.push(id);
      },
    },
  } as unknown as Engine;
  return { engine, removed };
}

const driver = { teardown: async () => ({ removed: [], kept: [] }) } as unknown as NodeDriver;

describe("lab:down's images", () => {
  it("removes the lab's images, and keeps (naming why) one a container runs and the base under it", async () => {
    const images: Image[] = [
      { Id: "sha256:base", RepoTags: ["swarm-lab/base:bookworm"], Created: 1 },
      {
        Id: "sha256:reg",
        RepoTags: ["swarm-lab/registry:offline"],
        Created: 2,
        parent: "sha256:base",
      },
      { Id: "sha256:app", RepoTags: ["swarm-lab/app:offline"], Created: 3, parent: "sha256:base" },
    ];
    // The base is the parent of both: it stays while the registry image does.
    const { engine, removed } = fakeEngine(images, "sha256:reg");
    const result = await takeDown(engine, driver, "lab", { keepImages: false, purge: true });
    expect(removed).toEqual(["sha256:app"]);
    expect(result.images).toEqual(["swarm-lab/app:offline"]);
    expect(result.imagesInUse).toEqual([
      "swarm-lab/registry:offline (container swarm-lab-class)",
      "swarm-lab/base:bookworm (unable to delete sha256:base (cannot be forced) - image has dependent child images)",
    ]);
  });

  it("with nothing else running, every image goes, children first", async () => {
    const images: Image[] = [
      { Id: "sha256:base", RepoTags: ["swarm-lab/base:bookworm"], Created: 1 },
      { Id: "sha256:app", RepoTags: ["swarm-lab/app:offline"], Created: 3, parent: "sha256:base" },
    ];
    const { engine, removed } = fakeEngine(images, "sha256:none");
    const result = await takeDown(engine, driver, "lab", { keepImages: false, purge: true });
    expect(removed).toEqual(["sha256:app", "sha256:base"]);
    expect(result.imagesInUse).toEqual([]);
  });
});
