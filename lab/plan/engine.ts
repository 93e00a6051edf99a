/**
 * Pure: what the host's Docker engine is (version, image store, system, architecture), read from
 * its info call, and whether the lab supports it. Checked before anything is built or created.
 */
import { EXIT, LabError } from "../errors.js";
export type ImageStore = "classic" | "containerd";
/** Docker's names for the architectures the lab builds for. */
export type Arch = "amd64" | "arm64";

export interface EngineFacts {
  version: string;
  cgroup: string;
  /** undefined: an image store the lab does not know (see checkEngine) */
  store: ImageStore | undefined;
  /** the storage or snapshotter driver, as the engine names it */
  driver: string;
  /** "Docker Desktop", "Debian GNU/Linux 12 (bookworm)", ... */
  os: string;
  /** the engine's own architecture (uname -m: x86_64, aarch64) */
  machine: string;
  arch: Arch | undefined;
}

/** The fields of `GET /info` the lab reads. */
export interface EngineInfo {
  ServerVersion?: string;
  CgroupVersion?: string;
  Driver?: string;
  DriverStatus?: [string, string][] | null;
  OperatingSystem?: string;
  Architecture?: string;
}

/** The oldest engine the lab supports: Debian 12's docker.io, what CI runs. */
export const MIN_ENGINE = "20.10";
/**
 * The oldest engine that pushes a pulled multi-platform image from the containerd store: 25 and
 * 26 refuse ("missing content ... not all of them are available locally"), 27 pushes the one
 * platform it holds.
 */
export const MIN_CONTAINERD_PUSH_OF_PULLED = "27.0";

const CLASSIC_DRIVERS = [
  "overlay2",
  "fuse-overlayfs",
  "btrfs",
  "zfs",
  "vfs",
  "devicemapper",
  "aufs",
];
const CONTAINERD_SNAPSHOTTER = "io.containerd.snapshotter.v1";
const ARCHES: Record<string, Arch> = {
  x86_64: "amd64",
  amd64: "amd64",
  aarch64: "arm64",
  arm64: "arm64",
};

export function engineFacts(info: EngineInfo): EngineFacts {
  const driver = info.Driver ?? "";
  const driverType = (info.DriverStatus ?? []).find(([k]) => k === "driver-type")?.[1];
  const store: ImageStore | undefined =
    driverType === CONTAINERD_SNAPSHOTTER
      ? "containerd"
      : CLASSIC_DRIVERS.includes(driver)
        ? "classic"
        : undefined;
  const machine = info.Architecture ?? "";
  return {
    version: info.ServerVersion ?? "",
    cgroup: info.CgroupVersion ?? "1",
    store,
    driver,
    os: info.OperatingSystem ?? "",
    machine,
    arch: ARCHES[machine],
  };
}

/** -1, 0, 1 as a < b, a = b, a > b, on the leading numbers of two versions ("26.1.5+dfsg1"). */
export function compareVersions(a: string, b: string): number {
  const nums = (v: string) => (/^\d+(\.\d+)*/.exec(v)?.[0] ?? "0").split(".").map(Number);
  const [x, y] = [nums(a), nums(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Why the lab cannot run its `set` on this engine (exit 3, with the fix); null when it can. */
export function checkEngine(
  facts: EngineFacts,
  set: "official" | "offline" | "auto",
): LabError | null {
  if (compareVersions(facts.version, MIN_ENGINE) < 0)
    return new LabError(
      `Docker ${facts.version || "(no version)"} is older than the lab supports (${MIN_ENGINE} or later)`,
      "upgrade the engine: Docker Desktop 4.x, Docker Engine from docs.docker.com, or Debian 12's docker.io",
      EXIT.noEngine,
    );
  if (!facts.store)
    return new LabError(
      `the engine's image store is one the lab does not know (storage driver "${facts.driver}")`,
      `use the classic store with ${CLASSIC_DRIVERS[0]} or the containerd image store (daemon.json "features": {"containerd-snapshotter": true}), then restart the engine`,
      EXIT.noEngine,
    );
  if (!facts.arch)
    return new LabError(
      `the engine runs on ${facts.machine || "an unnamed architecture"}; the lab builds for x86_64 and aarch64 only`,
      "run the lab on an x86_64 or arm64 (Apple Silicon, Graviton, Raspberry Pi 4/5 with a 64-bit system) machine",
      EXIT.noEngine,
    );
  if (
    set === "official" &&
    facts.store === "containerd" &&
    compareVersions(facts.version, MIN_CONTAINERD_PUSH_OF_PULLED) < 0
  )
    return new LabError(
      `Docker ${facts.version} with the containerd image store cannot push the official set's pulled images to the lab's registry (it pushes a multi-platform image only when it holds every platform)`,
      `upgrade to Docker ${MIN_CONTAINERD_PUSH_OF_PULLED} or later, turn the containerd image store off, or use the offline set: npm run lab:up -- --images offline`,
      EXIT.noEngine,
    );
  return null;
}

/** The one line `up` prints about the engine. */
export function describeEngine(f: EngineFacts): string {
  return `Docker ${f.version}, ${f.store ?? "unknown"} image store (${f.driver}), ${f.os}, ${f.machine}, cgroup v${f.cgroup}`;
}
