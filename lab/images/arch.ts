/**
 * Pure: what building the lab's images for an architecture takes. The architecture is the host
 * engine's (Docker Desktop on Apple Silicon runs linux/arm64), not the CLI's own.
 */
import type { Arch } from "../plan/engine.js";

export interface BuildPlatform {
  arch: Arch;
  /** pip's --platform tags for the app's binary wheels (CPython 3.11, glibc) */
  wheelPlatforms: string[];
  /** GOARCH for the binaries the offline set compiles (GOOS=linux, no cgo) */
  goarch: string;
  /** debootstrap's --arch for the offline base */
  debianArch: string;
}

const MACHINE: Record<Arch, string> = { amd64: "x86_64", arm64: "aarch64" };

export function buildPlatform(arch: Arch): BuildPlatform {
  const m = MACHINE[arch];
  return {
    arch,
    wheelPlatforms: [`manylinux2014_${m}`, `manylinux_2_17_${m}`, `manylinux_2_28_${m}`],
    goarch: arch,
    debianArch: arch,
  };
}
