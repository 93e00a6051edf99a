/** Pure: an image set -> the images to make and how. No Docker calls here. */
import { OFFICIAL } from "./official.js";

export type ImageSet = "official" | "offline";
export type ImageKey =
  | "node"
  | "edge"
  | "app"
  | "postgres"
  | "etcd"
  | "prometheus"
  | "traefik"
  | "node-exporter"
  | "postgres-exporter"
  | "victorialogs"
  | "logship"
  | "grafana"
  | "loki"
  | "alloy"
  | "cadvisor"
  | "alertmanager"
  | "alert-receiver"
  | "docker-proxy"
  | "registry";
export type Prepare = "wheels" | "traefik-binary" | "victorialogs-binary";

export interface ImageSpec {
  key: ImageKey;
  ref: string;
  /** Built by the lab from a Dockerfile in the repo, or pulled from upstream. */
  source:
    | { kind: "build"; context: string; args: Record<string, string>; prepare?: Prepare }
    | { kind: "pull" };
  /** Runs inside the swarm: pushed to the lab's registry, pulled by the nodes that run it. */
  inStack: boolean;
}

export const BASE_IMAGE = "swarm-lab/base:bookworm";
export const PYTHON_BASE_IMAGE = "swarm-lab/python:bookworm";
export const IMAGE_LABEL = "lab.image";

export function labRef(key: string, set: ImageSet): string {
  return `swarm-lab/${key}:${set}`;
}

export function planImages(set: ImageSet): ImageSpec[] {
  const debian = set === "official" ? OFFICIAL.debian : BASE_IMAGE;
  const python = set === "official" ? OFFICIAL.python : PYTHON_BASE_IMAGE;
  const build = (
    key: ImageKey,
    context: string,
    args: Record<string, string>,
    inStack: boolean,
    prepare?: Prepare,
  ): ImageSpec => ({
    key,
    ref: labRef(key, set),
    source: { kind: "build", context, args, ...(prepare ? { prepare } : {}) },
    inStack,
  });
  const common = [
    build("node", "images/node", { BASE: debian }, false),
    build("edge", "images/edge", { BASE: debian }, false),
    build("app", "app", { PYTHON_BASE: python }, true, "wheels"),
    build("postgres", "images/postgres", { BASE: debian }, true),
    build("etcd", "images/etcd", { BASE: debian }, true),
    // Built in both sets: its entrypoint reads the monitor password from a Docker secret.
    build("postgres-exporter", "images/postgres-exporter", { BASE: debian }, true),
    build("alert-receiver", "images/alert-receiver", { BASE: debian }, true),
    // Both sets: HAProxy from Debian with the lab's allow-list baked in.
    build("docker-proxy", "images/docker-proxy", { BASE: debian }, true),
    // Both sets: Debian's docker-registry, on the host engine; the nodes pull the rest from it.
    build("registry", "images/registry", { BASE: debian }, false),
  ];
  const pull = (key: ImageKey, ref: string): ImageSpec => ({
    key,
    ref,
    source: { kind: "pull" },
    inStack: true,
  });
  if (set === "official") {
    return [
      ...common,
      pull("prometheus", OFFICIAL.prometheus),
      pull("traefik", OFFICIAL.traefik),
      pull("node-exporter", OFFICIAL.nodeExporter),
      pull("alertmanager", OFFICIAL.alertmanager),
      pull("grafana", OFFICIAL.grafana),
      pull("loki", OFFICIAL.loki),
      pull("alloy", OFFICIAL.alloy),
      pull("cadvisor", OFFICIAL.cadvisor),
    ];
  }
  // Grafana, Loki, Alloy and cAdvisor cannot be had here (AGPL or not served): permissive
  // stand-ins, named in the README. Exporters come from Debian's packages.
  return [
    ...common,
    build("prometheus", "prometheus", { BASE: debian }, true),
    build("traefik", "traefik", { BASE: debian }, true, "traefik-binary"),
    build("node-exporter", "images/node-exporter", { BASE: debian }, true),
    build("alertmanager", "images/alertmanager", { BASE: debian }, true),
    build("victorialogs", "images/victorialogs", { BASE: debian }, true, "victorialogs-binary"),
    build("logship", "images/logship", { BASE: debian }, true),
  ];
}

export function imageRef(images: ImageSpec[], key: ImageKey): string {
  const found = images.find((i) => i.key === key);
  if (!found) throw new Error(`image ${key} is not planned`);
  return found.ref;
}

/** What making a set pulls from upstream registries: the bases its Dockerfiles start from, then its pulled images. */
export function upstreamRefs(set: ImageSet): string[] {
  if (set === "offline") return [];
  const pulled = planImages(set).flatMap((i) => (i.source.kind === "pull" ? [i.ref] : []));
  return [OFFICIAL.debian, OFFICIAL.python, ...pulled];
}
