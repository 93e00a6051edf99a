import { describe, expect, it } from "vitest";
import { loadConfig } from "../../lab/config/load.js";
import { LABEL_LAB } from "../../lab/plan/names.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { cli } from "../support/cli.js";
import { saveLoadRoundTrip } from "./save-load.js";

describe("lab save and load", () => {
  saveLoadRoundTrip();
});

describe("lab down", () => {
  // Without --keep-images (the store and the images go): tests/purge, after the hosts tier, which
  // needs the images (CI rebuilt them all for it when this file removed them: 153 s).
  it("removes every container, volume and network of the lab, and only those; the backups go with --purge", async () => {
    const config = loadConfig(process.env.LAB_CONFIG, {});
    const host = hostDocker();
    const byLabel = { label: [`${LABEL_LAB}=${config.name}`] };
    const before = await host.listContainers({ all: true, filters: byLabel });
    expect(before.length, "the lab must be up before this test").toBeGreaterThan(0);
    // A container the lab did not create must survive.
    const bystander = await host.createContainer({
      Image: "swarm-lab/base:bookworm",
      Cmd: ["true"],
      Labels: { bystander: "1" },
    });
    try {
      const { code, stdout } = await cli(["down", "--keep-images", "-o", "json"]);
      expect(code).toBe(0);
      const removed = JSON.parse(stdout) as {
        containers: string[];
        kept: string[];
        keptImages: string[];
      };
      expect(removed.containers).toEqual(
        expect.arrayContaining([
          `${config.name}-edge`,
          `${config.name}-node-1`,
          `${config.name}-registry`,
        ]),
      );
      expect(await host.listContainers({ all: true, filters: byLabel })).toEqual([]);
      // Only the backup repository is kept, and --purge without --yes and no terminal keeps it;
      // the registry's store stays with the images (--keep-images).
      const kept = [`${config.name}-backups`];
      const store = [`${config.name}-registry`];
      const volumes = async () =>
        ((await host.listVolumes({ filters: byLabel })).Volumes ?? []).map((v) => v.Name).sort();
      expect(await volumes()).toEqual([...kept, ...store]);
      expect(removed.kept).toEqual(kept);
      expect(removed.keptImages).toEqual(store);
      const refused = await cli(["down", "--purge"]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`--purge deletes ${kept[0]}`);
      expect(refused.stderr).toContain("nothing was removed");
      expect(await volumes()).toEqual([...kept, ...store]);
      const purged = await cli(["down", "--keep-images", "--purge", "--yes", "-o", "json"]);
      expect(purged.code, purged.stderr).toBe(0);
      expect(JSON.parse(purged.stdout).volumes).toEqual(kept);
      expect(await volumes()).toEqual(store);
      expect(await host.listNetworks({ filters: byLabel })).toEqual([]);
      expect((await bystander.inspect()).Id).toBeTruthy();
      const again = await cli(["down", "--keep-images", "-o", "json"]);
      expect(JSON.parse(again.stdout).containers).toEqual([]);
    } finally {
      await bystander.remove({ force: true });
    }
  });
});
