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

/**
 * The image configuration's digest in a manifest the engine pushed (schema 2 or OCI): it is the
 * image id on the engine that pushed it, so the lab can tell whether the registry holds the very
 * image the host has. Null for anything else (an index: the host never pushes one).
 */
export function configDigest(manifest: string): string | null {
  try {
    const digest = (JSON.parse(manifest) as { config?: { digest?: unknown } }).config?.digest;
    return typeof digest === "string" ? digest : null;
  } catch {
    return null;
  }
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
