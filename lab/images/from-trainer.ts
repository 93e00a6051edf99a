/**
 * A student's images from the trainer's registry (`lab images serve` on the trainer's machine):
 * read over HTTPS trusting only the trainer's lab CA, written into this machine's engine with
 * `docker load`. Nothing is built and the engine pulls nothing, so it needs no registry
 * configuration of its own (no certs.d, no insecure registry).
 */
import { EXIT, LabError } from "../errors.js";
import type { Arch } from "../plan/engine.js";
import { MANIFEST_ACCEPT, repoAndTag } from "../plan/registry.js";
import type { Engine } from "../runtime/docker.js";
import { caClient, getStream, type HttpsClient } from "../runtime/http.js";
import { type ArchiveBlob, imageArchive } from "../runtime/image-archive.js";

export interface Trainer {
  /** host:port of the trainer's registry */
  address: string;
  /** the trainer's lab CA (PEM) */
  ca: string;
  /** where the CA was read from, for messages */
  caFile: string;
}

interface Descriptor {
  digest: string;
  size: number;
  platform?: { architecture?: string; os?: string };
}
interface Manifest {
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

/** Pure: the manifest of an index to load for `arch` (the engine's). */
export function platformManifest(index: Manifest, arch: Arch): Descriptor | undefined {
  return index.manifests?.find(
    (m) => m.platform?.os === "linux" && m.platform.architecture === arch,
  );
}

/** Pure: the archive's blobs (configuration first, then the layers) and its manifest.json. */
export function archivePlan(
  ref: string,
  manifest: Manifest,
): { blobs: Descriptor[]; manifestJson: string } {
  const config = manifest.config;
  if (!config || !manifest.layers)
    throw new Error(`${ref}: the trainer's manifest has no configuration or layers`);
  const path = (d: Descriptor) => `blobs/${d.digest.replace(":", "/")}`;
  return {
    blobs: [config, ...manifest.layers],
    manifestJson: JSON.stringify([
      { Config: path(config), RepoTags: [ref], Layers: manifest.layers.map(path) },
    ]),
  };
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ERR_TLS/;

export class TrainerRegistry {
  private readonly agent: HttpsClient;
  constructor(private readonly trainer: Trainer) {
    this.agent = caClient(trainer.ca);
  }

  private async get(path: string, accept?: string) {
    const url = `https://${this.trainer.address}${path}`;
    try {
      return await getStream(this.agent, url, accept ? { accept } : {});
    } catch (err) {
      const code = String((err as NodeJS.ErrnoException).code ?? (err as Error).message);
      if (TLS_CODES.test(code))
        throw new LabError(
          `the trainer's registry at ${this.trainer.address} does not present a certificate of the CA in ${this.trainer.caFile} (${code})`,
          "use the CA file and the address that the trainer's `npm run lab -- images serve` printed (its .lab/ca/ca.crt)",
          EXIT.usage,
        );
      throw new LabError(
        `the trainer's registry at ${this.trainer.address} does not answer (${code})`,
        "check the address and port the trainer's `npm run lab -- images serve` printed, and that this machine reaches it (same network, no firewall on that port)",
      );
    }
  }

  private async manifest(repo: string, reference: string): Promise<Manifest> {
    const res = await this.get(`/v2/${repo}/manifests/${reference}`, MANIFEST_ACCEPT);
    const text = await streamText(res.body);
    if (res.status !== 200)
      throw new LabError(
        `the trainer's registry at ${this.trainer.address} has no ${repo}:${reference} (HTTP ${res.status})`,
        "the trainer serves the offline set of the same swarm-lab version: ask them to run `npm run lab -- images serve` again after pulling this version",
      );
    return JSON.parse(text) as Manifest;
  }

  /** Loads `ref` (the trainer's tag) into `host`; returns the loaded image's id. */
  async load(host: Engine, ref: string, arch: Arch): Promise<string> {
    const { repo, tag } = repoAndTag(ref);
    let manifest = await this.manifest(repo, tag);
    if (manifest.manifests) {
      const m = platformManifest(manifest, arch);
      if (!m)
        throw new LabError(
          `the trainer's registry serves ${ref} for no linux/${arch} engine`,
          "the trainer's machine must have built the offline set for this architecture (an Apple Silicon trainer serves arm64 only)",
        );
      manifest = await this.manifest(repo, m.digest);
    }
    const plan = archivePlan(ref, manifest);
    const blobs: ArchiveBlob[] = plan.blobs.map((d) => ({
      name: `blobs/${d.digest.replace(":", "/")}`,
      size: d.size,
      open: async () => {
        const res = await this.get(`/v2/${repo}/blobs/${d.digest}`);
        if (res.status !== 200) throw new Error(`${ref}: blob ${d.digest} answered ${res.status}`);
        return res.body;
      },
    }));
    await host.images.load(
      imageArchive(blobs, plan.manifestJson),
      `loading ${ref} from the trainer`,
      10 * 60_000,
    );
    const image = await host.images.find(ref);
    if (!image) throw new Error(`${ref} was loaded from the trainer but is not on the engine`);
    return image.Id;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function streamText(body: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
