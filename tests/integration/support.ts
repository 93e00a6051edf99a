/**
 * The integration tier: each lab-built image started alone on the host engine with testcontainers,
 * without a lab. The images must exist (`npm run lab:up` builds them); Ryuk (testcontainers'
 * reaper, a Docker Hub image) is off (vitest.config.ts), so every test stops what it started.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import {
  GenericContainer,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { type ImageKey, planImages } from "../../lab/images/plan.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import {
  type CaScope,
  createCa,
  issueCert,
  type LeafSpec,
  type Pem,
  serverNames,
} from "../../lab/state/ca.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { labScope, ROUTED_SERVICES } from "../../lab/state/tls.js";

export const DOMAIN = "lab.localhost";

/** The offline set's reference of a lab image; fails with the fix when it was never built. */
export async function labImage(key: ImageKey): Promise<string> {
  const ref = planImages("offline").find((i) => i.key === key)?.ref;
  if (!ref) throw new Error(`no image ${key} in the offline set`);
  try {
    await hostDocker().getImage(ref).inspect();
  } catch {
    throw new Error(`image ${ref} is not on this engine: build it first with npm run lab:up`);
  }
  return ref;
}

/** A CA of the lab's shape (name constraints for DOMAIN and the internal names) for one test. */
export async function testCa(
  scope: CaScope = labScope(DOMAIN),
): Promise<{ ca: Pem; issue: (spec: LeafSpec) => Promise<Pem> }> {
  const ca = await createCa("integration", scope);
  return { ca, issue: (spec) => issueCert(ca, spec) };
}

export const password = (): string => randomBytes(18).toString("base64url");

/** A file testcontainers copies into a container before it starts. */
export const file = (target: string, content: string, mode = 0o644) => ({
  target,
  content,
  mode,
});

/** A Docker secret as Swarm mounts it: /run/secrets/<name>, root-owned, mode 0444. */
export const secret = (name: string, content: string) =>
  file(`/run/secrets/${name}`, content, 0o444);

/** One of the lab's configuration files for Traefik (traefik/<name>). */
export const traefikConfig = (name: string) =>
  readFileSync(join(REPO_ROOT, "traefik", name), "utf8");

/**
 * The lab's Traefik image with the lab's static configuration, the given dynamic configuration
 * and a certificate for the lab's names from a test CA; ready when ping answers. Returns the CA.
 */
export async function startTraefik(
  dynamic: string,
  ports: number[],
  network?: StartedNetwork,
): Promise<{ traefik: StartedTestContainer; ca: string }> {
  const t = await testCa();
  const leaf = await t.issue({ dns: serverNames(DOMAIN, ROUTED_SERVICES), usage: "server" });
  let image = new GenericContainer(await labImage("traefik"))
    .withCommand(["--configFile=/etc/traefik/traefik.yml"])
    .withCopyContentToContainer([
      file("/etc/traefik/traefik.yml", traefikConfig("traefik.yml")),
      file("/etc/traefik/dynamic.yml", dynamic),
      secret("lab_tls_cert", leaf.cert + t.ca.cert),
      secret("lab_tls_key", leaf.key),
      secret("dashboard_users", `admin:${bcrypt.hashSync(password(), 4)}\n`),
    ])
    .withExposedPorts(...ports, 8082)
    .withWaitStrategy(Wait.forHttp("/ping", 8082).forStatusCode(200))
    .withStartupTimeout(60_000);
  if (network) image = image.withNetwork(network);
  return { traefik: await image.start(), ca: t.ca.cert };
}
