/**
 * `lab images serve`: one trainer's machine serves the image set it made (the offline set it built,
 * or the official set with the upstream images it pulled once) to a whole class, so the students'
 * first `up` builds nothing and pulls nothing from Docker Hub (whose anonymous limit a classroom
 * behind one address exhausts). Debian's docker-registry, read-only, over HTTPS with a
 * certificate from the trainer's lab CA for the machine's addresses; its store is filled through
 * the same writable loopback twin as the lab's own registry.
 */
import { EXIT, LabError } from "../errors.js";
import { LABEL_KIND, LABEL_LAB } from "../plan/names.js";
import { REGISTRY_PORT, type RegistryContainer } from "../plan/registry.js";
import { type Engine, tarOf } from "../runtime/docker.js";
import { caClient, getStream } from "../runtime/http.js";
import type { Pem } from "../state/ca.js";
import { issueCert } from "../state/ca.js";
import { waitFor } from "../wait/poll.js";
import { imageExists } from "./build.js";
import { type ImageSet, labRef, planImages } from "./plan.js";
import { pushThroughTwin } from "./registry.js";

export const CLASS_REGISTRY = "swarm-lab-class";
const TLS_DIR = "/run/class-tls";
const labels = (what: string) => ({ [LABEL_LAB]: CLASS_REGISTRY, [LABEL_KIND]: what });

const ipNumber = (ip: string) => ip.split(".").reduce((n, part) => n * 256 + Number(part), 0);

/** Pure: whether an IPv4 address lies in one of the CIDR ranges (the lab CA's name constraints). */
export function withinRanges(ip: string, ranges: string[]): boolean {
  return ranges.some((r) => {
    const [net = "", bits = "32"] = r.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(net) / size);
  });
}

export interface ServeOptions {
  /** the host port students connect to */
  port: number;
  /** where it listens (0.0.0.0: every address of this machine) */
  bind: string;
  /** the addresses students use, written into the certificate (127.0.0.1 is always added) */
  addresses: string[];
  ca: Pem;
  /** the image set served (every image of it): the students' `up` loads the same set */
  set: ImageSet;
  /** only these images of it (tests) */
  refs?: string[];
}

/** Starts (or replaces) the class registry and fills it; returns what it serves. */
export async function serveClass(host: Engine, opts: ServeOptions): Promise<{ refs: string[] }> {
  const refs = opts.refs ?? planImages(opts.set).map((i) => i.ref);
  const registryImage = labRef("registry", opts.set);
  const absent: string[] = [];
  for (const ref of [registryImage, ...refs]) if (!(await imageExists(host, ref))) absent.push(ref);
  if (absent.length > 0)
    throw new LabError(
      `this machine has not made the ${opts.set} image set the class would load (${absent.length} missing: ${absent.slice(0, 3).join(", ")}${absent.length > 3 ? ", ..." : ""})`,
      `make it first: npm run lab:up -- --images ${opts.set} (npm run lab:down -- --keep-images afterwards keeps the images)`,
      EXIT.usage,
    );
  await stopClass(host);
  await host.volumes.create(CLASS_REGISTRY, labels("volume"));
  const twin: RegistryContainer = {
    name: `${CLASS_REGISTRY}-push`,
    config: "push",
    network: null,
    labels: labels("registry"),
  };
  await pushThroughTwin(host, twin, registryImage, CLASS_REGISTRY, refs);
  await host.containers.run({
    name: CLASS_REGISTRY,
    Image: registryImage,
    Labels: labels("registry"),
    // The certificate comes over exec once the container runs (never on disk, never in inspect).
    Entrypoint: ["sh", "-c"],
    Cmd: [
      `until [ -f ${TLS_DIR}/ready ]; do sleep 0.1; done; exec /usr/bin/docker-registry serve /etc/docker/registry/serve.yml`,
    ],
    Env: [
      `REGISTRY_HTTP_TLS_CERTIFICATE=${TLS_DIR}/cert.pem`,
      `REGISTRY_HTTP_TLS_KEY=${TLS_DIR}/key.pem`,
    ],
    ExposedPorts: { [`${REGISTRY_PORT}/tcp`]: {} },
    HostConfig: {
      Binds: [`${CLASS_REGISTRY}:/var/lib/docker-registry:ro`],
      Tmpfs: { [TLS_DIR]: "rw,noexec,nosuid,size=1m,mode=1777" },
      PortBindings: {
        [`${REGISTRY_PORT}/tcp`]: [{ HostIp: opts.bind, HostPort: String(opts.port) }],
      },
      RestartPolicy: { Name: "unless-stopped" },
    },
  });
  const leaf = await issueCert(opts.ca, {
    ips: [...new Set(["127.0.0.1", ...opts.addresses])],
    commonName: "swarm-lab class registry",
    usage: "server",
  });
  const files = await tarOf({
    "cert.pem": leaf.cert + opts.ca.cert,
    "key.pem": leaf.key,
    ready: "",
  });
  const placed = await host.containers.execWithInput(
    CLASS_REGISTRY,
    ["tar", "-x", "-C", TLS_DIR],
    files,
    "docker-registry",
  );
  if (placed.code !== 0)
    throw new Error(`could not place the class registry's certificate: ${placed.stdout}`);
  const client = caClient(opts.ca.cert);
  try {
    await waitFor(
      `class registry ${CLASS_REGISTRY} on https://127.0.0.1:${opts.port}`,
      async () => {
        const res = await getStream(client, `https://127.0.0.1:${opts.port}/v2/`, {}, 2000);
        res.body.resume();
        return { ok: res.status === 200, detail: `GET /v2/ answered ${res.status}` };
      },
      { timeoutMs: 30_000, intervalMs: 300, hint: `its log: docker logs ${CLASS_REGISTRY}` },
    );
  } finally {
    await client.close();
  }
  return { refs };
}

/** Removes the class registry and its store; gone already is fine. */
export async function stopClass(host: Engine): Promise<void> {
  await host.containers.remove(CLASS_REGISTRY);
  await host.containers.remove(`${CLASS_REGISTRY}-push`);
  await host.volumes.remove(CLASS_REGISTRY);
}
