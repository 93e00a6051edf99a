import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildPlatform } from "../../lab/images/arch.js";
import {
  APT_CLEAN,
  baseBuilder,
  builderArgs,
  DPKG_SLIM,
  FINISH_ROOTFS,
  slimRootfs,
} from "../../lab/images/base.js";

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A debootstrap tree's shape, with a file where each kind of thing lives. */
function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "slim-"));
  roots.push(root);
  const files: Record<string, string> = {
    "etc/apt/apt.conf.d/.keep": "",
    "etc/dpkg/dpkg.cfg.d/.keep": "",
    "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages": "x",
    "var/lib/apt/lists/partial/.keep": "",
    "var/cache/apt/pkgcache.bin": "x",
    "var/cache/apt/archives/bash_5.2_amd64.deb": "x",
    "var/cache/apt/archives/partial/.keep": "",
    "usr/share/doc/bash/copyright": "GPL",
    "usr/share/doc/bash/changelog.Debian.gz": "x",
    "usr/share/man/man1/bash.1.gz": "x",
    "usr/share/locale/de/LC_MESSAGES/bash.mo": "x",
    "usr/bin/bash": "x",
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe("the offline Debian base, slimmed as Debian's own images are", () => {
  it("drops package lists, caches, archives, docs, manuals and translations; keeps copyrights", async () => {
    const root = fakeRoot();
    await slimRootfs(root);
    const at = (p: string) => existsSync(join(root, p));
    expect(readdirSync(join(root, "var/lib/apt/lists"))).toEqual(["partial"]);
    expect(at("var/cache/apt/pkgcache.bin")).toBe(false);
    expect(readdirSync(join(root, "var/cache/apt/archives"))).toEqual(["partial"]);
    expect(readdirSync(join(root, "usr/share/doc/bash"))).toEqual(["copyright"]);
    expect(readdirSync(join(root, "usr/share/man"))).toEqual([]);
    expect(readdirSync(join(root, "usr/share/locale"))).toEqual([]);
    expect(at("usr/bin/bash")).toBe(true);
    expect(readFileSync(join(root, "etc/apt/apt.conf.d/docker-clean"), "utf8")).toBe(APT_CLEAN);
    expect(readFileSync(join(root, "etc/dpkg/dpkg.cfg.d/docker-slim"), "utf8")).toBe(DPKG_SLIM);
  });

  it("apt removes what an install downloads; dpkg keeps copyrights out of the exclusions", () => {
    expect(APT_CLEAN).toContain("DPkg::Post-Invoke");
    expect(APT_CLEAN).toContain("/var/cache/apt/archives/*.deb");
    expect(DPKG_SLIM.split("\n")).toContain("path-include /usr/share/doc/*/copyright");
  });
});

describe("where debootstrap runs", () => {
  const amd64 = buildPlatform("amd64");
  const arm64 = buildPlatform("arm64");
  it.each([
    ["Debian/Ubuntu with debootstrap", "linux", "x64", true, amd64, "host"],
    ["Linux without debootstrap (Fedora, Arch)", "linux", "x64", false, amd64, "container"],
    ["macOS on Apple Silicon (Docker Desktop)", "darwin", "arm64", false, arm64, "container"],
    ["Windows (Docker Desktop)", "win32", "x64", false, amd64, "container"],
    ["an engine of another architecture", "linux", "x64", true, arm64, "container"],
  ] as const)("%s: %s", (_what, platform, arch, has, engine, where) => {
    expect(baseBuilder(platform, arch, has, engine)).toBe(where);
  });

  it("the builder container makes the engine's architecture, finishes the tree with the same script, writes a tar", () => {
    const args = builderArgs("debian:bookworm-slim", arm64);
    expect(args.slice(0, 2)).toEqual(["run", "--rm"]);
    expect(args).toContain("debian:bookworm-slim");
    expect(args.join(" ")).toContain("--cap-add SYS_ADMIN");
    const script = args.at(-1) ?? "";
    expect(script).toMatch(/debootstrap --variant=minbase --arch=arm64 bookworm \/rootfs/);
    expect(script).toContain('sh -c "$LAB_FINISH_ROOTFS" finish-rootfs /rootfs');
    expect(script.trim().split("\n").at(-1)).toBe("tar -C /rootfs -c .");
    expect(args).toContain("LAB_FINISH_ROOTFS");
    expect(FINISH_ROOTFS).toContain(APT_CLEAN);
  });
});
