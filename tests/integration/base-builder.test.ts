/**
 * The offline base made where this machine has no debootstrap of its own (macOS, Windows with
 * Docker Desktop, a Linux other than Debian/Ubuntu): debootstrap in a builder container on the
 * engine, the tree finished by the same script as on a Debian host, imported as an image. The
 * builder here is the lab's own Debian base: Docker Hub's debian:bookworm-slim, what a user's
 * machine pulls for it, cannot be pulled on this machine.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { buildPlatform } from "../../lab/images/arch.js";
import { importBaseInContainer } from "../../lab/images/base.js";
import { BASE_IMAGE } from "../../lab/images/plan.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { run } from "../../lab/runtime/exec.js";
import { labImage } from "./support.js";

const ref = `swarm-lab/base-it-${randomBytes(3).toString("hex")}:bookworm`;

afterAll(async () => {
  await hostDocker()
    .getImage(ref)
    .remove({ force: true })
    .catch(() => {});
});

describe("the offline base from a builder container", () => {
  it("is a slimmed Debian bookworm with apt's sources and the lab's label", async () => {
    await labImage("node"); // the lab's images exist, so BASE_IMAGE does
    await importBaseInContainer(
      ref,
      { "lab.image": "base-it" },
      buildPlatform("amd64"),
      BASE_IMAGE,
    );
    const image = await hostDocker().getImage(ref).inspect();
    expect(image.Config.Labels?.["lab.image"]).toBe("base-it");
    const look = await run("docker", [
      ...["run", "--rm", "--entrypoint", "sh", ref, "-c"],
      "cat /etc/os-release /etc/apt/sources.list /etc/dpkg/dpkg.cfg.d/docker-slim; ls /usr/share/man | wc -l; ls /var/lib/apt/lists; dpkg-query -W -f '${Package}\\n' | wc -l",
    ]);
    expect(look).toContain("VERSION_CODENAME=bookworm");
    expect(look).toContain("deb http://deb.debian.org/debian-security bookworm-security main");
    expect(look).toContain("path-include /usr/share/doc/*/copyright");
    const lines = look.trim().split("\n");
    const packages = Number(lines.at(-1));
    expect(packages, "a minbase system's packages").toBeGreaterThan(50);
    expect(lines.at(-2)).toBe("partial"); // apt lists emptied but for partial/
    expect(lines.at(-3)).toBe("0"); // no manuals
  });
});
