/** Upstream images, pinned. The only file to edit when bumping a version. */
export const OFFICIAL = {
  traefik: "traefik:v3.7.13",
  prometheus: "prom/prometheus:v2.55.1",
  debian: "debian:bookworm-slim",
  python: "python:3.11-slim-bookworm",
  grafana: "grafana/grafana:12.3.0",
  loki: "grafana/loki:3.5.8",
  alloy: "grafana/alloy:v1.11.3",
  // From v0.53.0 cAdvisor publishes on ghcr.io only (its README); gcr.io takes no new images.
  cadvisor: "ghcr.io/google/cadvisor:v0.53.0",
  nodeExporter: "prom/node-exporter:v1.10.2",
  alertmanager: "prom/alertmanager:v0.28.1",
} as const;

/**
 * Version of the Traefik Go module compiled for the offline set. Not the pinned image's 3.7: the
 * Go module proxy here lacks modules 3.7 needs (github.com/containous/go-http-auth at the commit
 * 3.7 pins, several lego DNS clients), so 3.6 is compiled with 3.7's retry middleware backported
 * (./traefik-backport.ts).
 */
export const TRAEFIK_MODULE = { path: "github.com/traefik/traefik/v3", version: "v3.6.12" };

/** VictoriaLogs (Apache-2.0), the offline set's log store, compiled from its Go module. */
export const VICTORIALOGS_MODULE = {
  path: "github.com/VictoriaMetrics/VictoriaLogs",
  version: "v1.52.1",
};

/** Where `auto` looks to decide whether upstream images can be pulled. */
export const UPSTREAM_REGISTRY_PROBE = "https://registry-1.docker.io/v2/";
