/**
 * The engines students bring: Docker Desktop (containerd image store, arm64 on Apple Silicon),
 * Engine 29, Debian's 20.10; what the lab reads from `GET /info` and what it refuses.
 */
import { describe, expect, it } from "vitest";
import { buildPlatform } from "../../lab/images/arch.js";
import {
  checkEngine,
  compareVersions,
  describeEngine,
  engineFacts,
} from "../../lab/plan/engine.js";

// Trimmed from real `docker info` answers (Debian 12's 20.10 here, Debian 13's 26.1 with the
// containerd snapshotter, measured here; Docker Desktop's as its documentation shows it).
const debian12 = {
  ServerVersion: "20.10.24+dfsg1",
  Driver: "overlay2",
  DriverStatus: [
    ["Backing Filesystem", "extfs"],
    ["Supports d_type", "true"],
  ] as [string, string][],
  OperatingSystem: "Debian GNU/Linux 12 (bookworm)",
  Architecture: "x86_64",
  CgroupVersion: "1",
};
const trixieContainerd = {
  ServerVersion: "26.1.5+dfsg1",
  Driver: "overlayfs",
  DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]] as [string, string][],
  OperatingSystem: "Debian GNU/Linux 13 (trixie)",
  Architecture: "x86_64",
  CgroupVersion: "1",
};
const desktopArm = {
  ServerVersion: "29.0.1",
  Driver: "overlayfs",
  DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]] as [string, string][],
  OperatingSystem: "Docker Desktop",
  Architecture: "aarch64",
  CgroupVersion: "2",
};

describe("what the engine is", () => {
  it("reads version, image store, system and architecture", () => {
    expect(engineFacts(debian12)).toMatchObject({
      store: "classic",
      arch: "amd64",
      version: "20.10.24+dfsg1",
    });
    expect(engineFacts(trixieContainerd)).toMatchObject({ store: "containerd", arch: "amd64" });
    expect(engineFacts(desktopArm)).toMatchObject({
      store: "containerd",
      arch: "arm64",
      os: "Docker Desktop",
    });
    expect(describeEngine(engineFacts(desktopArm))).toBe(
      "Docker 29.0.1, containerd image store (overlayfs), Docker Desktop, aarch64, cgroup v2",
    );
  });

  it("compares versions on their numbers", () => {
    expect(compareVersions("20.10.24+dfsg1", "20.10")).toBe(1);
    expect(compareVersions("20.10", "20.10.0")).toBe(0);
    expect(compareVersions("19.03.15", "20.10")).toBe(-1);
    expect(compareVersions("26.1.5+dfsg1", "27.0")).toBe(-1);
    expect(compareVersions("29.0.1", "27.0")).toBe(1);
  });

  it("runs both sets on the engines students have", () => {
    for (const info of [debian12, desktopArm])
      for (const set of ["official", "offline", "auto"] as const)
        expect(checkEngine(engineFacts(info), set), `${info.OperatingSystem} ${set}`).toBeNull();
    expect(checkEngine(engineFacts(trixieContainerd), "offline")).toBeNull();
  });

  it.each([
    [
      "an engine older than 20.10",
      { ...debian12, ServerVersion: "19.03.15" },
      "offline",
      /older than the lab supports.*upgrade/s,
    ],
    [
      "an image store the lab does not know",
      { ...debian12, Driver: "windowsfilter", DriverStatus: [] as [string, string][] },
      "offline",
      /image store.*windowsfilter.*containerd-snapshotter/s,
    ],
    [
      "a 32-bit ARM engine",
      { ...debian12, Architecture: "armv7l" },
      "offline",
      /armv7l.*x86_64 or arm64/s,
    ],
    [
      "the official set on a containerd store older than 27",
      trixieContainerd,
      "official",
      /26\.1\.5.*cannot push.*--images offline/s,
    ],
  ] as const)("refuses %s, with the fix", (_what, info, set, message) => {
    const refused = checkEngine(engineFacts(info), set);
    expect(refused).not.toBeNull();
    expect(`${refused?.message} ${refused?.hint}`).toMatch(message);
    expect(refused?.exitCode).toBe(3);
  });
});

describe("building for the engine's architecture", () => {
  it("fetches wheels and compiles for amd64 and arm64", () => {
    expect(buildPlatform("amd64")).toEqual({
      arch: "amd64",
      wheelPlatforms: ["manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"],
      goarch: "amd64",
      debianArch: "amd64",
    });
    expect(buildPlatform("arm64")).toEqual({
      arch: "arm64",
      wheelPlatforms: ["manylinux2014_aarch64", "manylinux_2_17_aarch64", "manylinux_2_28_aarch64"],
      goarch: "arm64",
      debianArch: "arm64",
    });
  });
});
