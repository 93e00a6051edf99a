/**
 * Pure: how the lab's images reach the nodes. The host pushes each stack image once per content
 * tag to a registry on the lab's network; a node pulls only what Swarm runs on it.
 */
import { labels, names } from "./names.js";

/** The port the registry listens on in its container (and in every reference the nodes pull). */
export const REGISTRY_PORT = 5000;
/** On the registry's volume: `lab:down --keep-images` keeps it, a plain `lab:down` does not. */
export const LABEL_IMAGE_STORE = "lab.image-store";

/** `<lab>-registry:5000`: how the nodes' engines name it (Docker's DNS on the lab network). */
export function registryHost(lab: string): string {
  return `${names.registry(lab)}:${REGISTRY_PORT}`;
}

const SERVED = /^[a-z0-9][a-z0-9.-]*-registry:\d+\//;

/** A host reference as the nodes pull it; a reference already served is returned as is. */
export function servedRef(lab: string, ref: string): string {
  return SERVED.test(ref) ? ref : `${registryHost(lab)}/${ref}`;
}

/** The host's reference of a served one (a deployed version is built on, inspected, pushed). */
export function hostRef(ref: string): string {
  return ref.replace(SERVED, "");
}

/** `gcr.io/cadvisor/cadvisor:v0.52.1` -> repository and tag, as the registry's API names them. */
export function repoAndTag(ref: string): { repo: string; tag: string } {
  const at = ref.lastIndexOf(":");
  if (at <= ref.lastIndexOf("/") || ref.includes("@"))
    throw new Error(`image reference ${ref} has no tag (the lab pushes tagged images only)`);
  return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
}

/** Where the registry answers whether it holds a reference. */
export function manifestPath(ref: string): string {
  const { repo, tag } = repoAndTag(ref);
  return `/v2/${repo}/manifests/${tag}`;
}

/** The media types a manifest check accepts (images built by the engine push schema 2). */
export const MANIFEST_ACCEPT = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

/** What the registry says a reference is: its manifest (or index) and that manifest's digest. */
export interface ServedManifest {
  /** the Docker-Content-Digest the registry answered with */
  digest: string | null;
  body: string;
}

/**
 * The digests that name what the registry serves under a reference: the manifest's own digest,
 * and its image configuration's (a single-platform manifest), or the index's digest and each of
 * its manifests' (an index). The engine that pushed it knows the image by one of them: the
 * configuration digest is the image id in the classic image store; the manifest's or the index's
 * digest is the id in the containerd image store (Docker Desktop, Engine 29), and an engine of
 * 27 or later pushes only the platform manifest it holds of an index it pulled.
 */
export function servedDigests(served: ServedManifest): string[] {
  const digests = served.digest ? [served.digest] : [];
  let doc: { config?: { digest?: unknown }; manifests?: { digest?: unknown }[] };
  try {
    doc = JSON.parse(served.body);
  } catch {
    return digests;
  }
  const children = Array.isArray(doc.manifests) ? doc.manifests.map((m) => m?.digest) : [];
  for (const d of [doc.config?.digest, ...children])
    if (typeof d === "string" && /^sha256:[0-9a-f]{64}$/.test(d)) digests.push(d);
  return digests;
}

/**
 * Whether the registry serves the very image the host holds: a digest both sides agree on
 * (see servedDigests; `host` are the digests the host's engine knows the image by).
 */
export function servesHostImage(served: ServedManifest, host: string[]): boolean {
  const known = new Set(host);
  return servedDigests(served).some((d) => known.has(d));
}

export interface RegistryContainer {
  name: string;
  /** the configuration baked into the image that this container runs */
  config: "serve" | "push";
  /** on the lab's network (the nodes reach it), or only on loopback */
  network: string | null;
  labels: Record<string, string>;
}

export interface RegistryPlan {
  volume: { name: string; labels: Record<string, string> };
  serve: RegistryContainer;
  push: RegistryContainer;
}

export function planRegistry(lab: string): RegistryPlan {
  const name = names.registry(lab);
  return {
    volume: {
      name,
      labels: labels(lab, "volume", { [LABEL_IMAGE_STORE]: "registry" }),
    },
    serve: {
      name,
      config: "serve",
      network: names.network(lab),
      labels: labels(lab, "registry"),
    },
    push: { name: `${name}-push`, config: "push", network: null, labels: labels(lab, "registry") },
  };
}
