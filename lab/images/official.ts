/** Upstream images, pinned. The only file to edit when bumping a version. */
export const OFFICIAL = {
  traefik: "traefik:v3.6.12",
  prometheus: "prom/prometheus:v2.55.1",
  debian: "debian:bookworm-slim",
  python: "python:3.11-slim-bookworm",
} as const;

/** Version of the Traefik Go module compiled for the offline set (same as the pinned image). */
export const TRAEFIK_MODULE = { path: "github.com/traefik/traefik/v3", version: "v3.6.12" };

/** Where `auto` looks to decide whether upstream images can be pulled. */
export const UPSTREAM_REGISTRY_PROBE = "https://registry-1.docker.io/v2/";
