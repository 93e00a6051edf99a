/**
 * The offline set's Debian base: a bookworm root file system from debootstrap, slimmed as
 * Debian's own images are, imported as an image. debootstrap runs on this machine where it can
 * (Debian/Ubuntu with debootstrap), else in a Linux builder container on the engine (macOS,
 * Windows, other Linux systems): `--images offline` works on any machine with Docker.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { has, run } from "../runtime/exec.js";
import type { BuildPlatform } from "./arch.js";
import { OFFICIAL } from "./official.js";

/**
 * What Debian's own container images configure (debuerreotype's slimming): apt keeps no package
 * archive or cache after an install, and dpkg does not unpack documentation, manuals or message
 * translations. Without it every offline image kept the .deb files it installed (160 MB in the
 * Postgres image) and each node pulled them.
 */
export const APT_CLEAN = [
  'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
  'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };',
  'Dir::Cache::pkgcache "";',
  'Dir::Cache::srcpkgcache "";',
  'Acquire::Languages "none";',
  "",
].join("\n");

export const DPKG_SLIM = [
  "path-exclude /usr/share/doc/*",
  "path-include /usr/share/doc/*/copyright",
  "path-exclude /usr/share/man/*",
  "path-exclude /usr/share/info/*",
  "path-exclude /usr/share/locale/*",
  "",
].join("\n");

const SOURCES = [
  "deb http://deb.debian.org/debian bookworm main",
  "deb http://deb.debian.org/debian bookworm-updates main",
  "deb http://deb.debian.org/debian-security bookworm-security main",
  "",
].join("\n");

/**
 * The shell script that finishes a debootstrap tree ($1): apt's sources, the slimming files, and
 * lists, caches, archives, docs (copyrights stay, as in Debian's slim images), manuals and
 * translations removed. One script for both places debootstrap runs.
 */
export const FINISH_ROOTFS = `set -eu
r="$1"
cat > "$r/etc/apt/sources.list" <<'LAB_EOF'
${SOURCES}LAB_EOF
cat > "$r/etc/apt/apt.conf.d/docker-clean" <<'LAB_EOF'
${APT_CLEAN}LAB_EOF
cat > "$r/etc/dpkg/dpkg.cfg.d/docker-slim" <<'LAB_EOF'
${DPKG_SLIM}LAB_EOF
for d in var/lib/apt/lists var/cache/apt usr/share/man usr/share/locale; do
  find "$r/$d" -mindepth 1 -maxdepth 1 ! \\( -type d \\( -name partial -o -name archives \\) \\) -exec rm -rf {} +
done
find "$r/usr/share/doc" -mindepth 1 -maxdepth 1 ! -type d -exec rm -f {} +
find "$r/usr/share/doc" -mindepth 2 -maxdepth 2 ! -name copyright -exec rm -rf {} +
find "$r/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec rm -f {} +
`;

/** Finishes a debootstrap tree on this machine (see FINISH_ROOTFS). */
export async function slimRootfs(root: string): Promise<void> {
  await run("sh", ["-c", FINISH_ROOTFS, "finish-rootfs", root]);
}

const MIRROR = "http://deb.debian.org/debian";

/** Pure: where debootstrap runs for this machine. */
export function baseBuilder(
  platform: NodeJS.Platform,
  machineArch: string,
  hasDebootstrap: boolean,
  engine: BuildPlatform,
): "host" | "container" {
  const here = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[machineArch];
  return platform === "linux" && hasDebootstrap && here === engine.debianArch
    ? "host"
    : "container";
}

/**
 * Pure: the `docker run` arguments of the builder container. It installs debootstrap in `builder`
 * (a Debian image: Docker Hub's debian:bookworm-slim by default), makes and finishes the tree, and
 * writes it as a tar on standard output. SYS_ADMIN: debootstrap mounts /proc in the tree.
 */
export function builderArgs(builder: string, engine: BuildPlatform): string[] {
  const script = [
    "set -eu",
    "apt-get update -qq >&2",
    "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2",
    `debootstrap --variant=minbase --arch=${engine.debianArch} bookworm /rootfs ${MIRROR} >&2`,
    'sh -c "$LAB_FINISH_ROOTFS" finish-rootfs /rootfs',
    "tar -C /rootfs -c .",
  ].join("\n");
  return [
    ...["run", "--rm", "--cap-add", "SYS_ADMIN", "--security-opt", "apparmor=unconfined"],
    ...["-e", "LAB_FINISH_ROOTFS", "--entrypoint", "sh", builder, "-c", script],
  ];
}

const importCommand = (label: Record<string, string>) =>
  `docker import ${Object.entries(label)
    .map(([k, v]) => `-c 'LABEL ${k}=${v}'`)
    .join(" ")} - "$1"`;

/** The offline base, imported as `ref` on the engine the docker CLI talks to. */
export async function importDebianBase(
  ref: string,
  label: Record<string, string>,
  engine: BuildPlatform,
  builder: string = OFFICIAL.debian,
): Promise<void> {
  const where = baseBuilder(process.platform, process.arch, await has("debootstrap"), engine);
  if (where === "container") return importBaseInContainer(ref, label, engine, builder);
  const root = mkdtempSync("/tmp/swarm-lab-rootfs-");
  try {
    await run(
      "debootstrap",
      ["--variant=minbase", `--arch=${engine.debianArch}`, "bookworm", root, MIRROR],
      {
        hint: "debootstrap needs the Debian mirror (deb.debian.org) over http",
      },
    );
    await slimRootfs(root);
    await run("bash", [
      "-o",
      "pipefail",
      "-c",
      `tar -C "$0" -c . | ${importCommand(label)}`,
      root,
      ref,
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The same, made by debootstrap in a `builder` container on the engine (see builderArgs). */
export async function importBaseInContainer(
  ref: string,
  label: Record<string, string>,
  engine: BuildPlatform,
  builder: string,
): Promise<void> {
  const docker = ["docker", ...builderArgs(builder, engine)].map(
    (a) => `'${a.replace(/'/g, "'\\''")}'`,
  );
  await run(
    "bash",
    ["-o", "pipefail", "-c", `${docker.join(" ")} | ${importCommand(label)}`, "base", ref],
    {
      env: { LAB_FINISH_ROOTFS: FINISH_ROOTFS },
      hint: `the offline base is made in a ${builder} container (this machine has no debootstrap of its own): the engine must have or pull ${builder}, and reach deb.debian.org`,
    },
  );
}
