/** The lab CA and the certificates it signs, kept in the state folder and renewed before expiry. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { EXIT, LabError } from "../errors.js";
import {
  type CaScope,
  caScope,
  certDue,
  certNames,
  createCa,
  issueCert,
  issuedBy,
  type LeafSpec,
  type Pem,
  serverNames,
} from "./ca.js";
import { statePaths } from "./paths.js";

/** pgBackRest's hosts (Swarm service names). */
export const PGBACKREST_HOSTS = ["backup", "pg1", "pg2"];
/**
 * pgBackRest's two roles, a certificate each: the members (pg1, pg2) and the repository host
 * (backup). Each side's TLS server lets in only the other role's name, so a member's key opens
 * the repository (to push WAL) and not the other member, and the repository's opens the members.
 */
export const PGBACKREST_ROLES = {
  member: { commonName: "pgbackrest-member", dns: ["pg1", "pg2"] },
  repository: { commonName: "pgbackrest-repository", dns: ["backup"] },
} as const;
export const ROUTED_SERVICES = ["app", "traefik", "prometheus", "grafana", "alerts", "logs"];
/** etcd members: clients (Patroni) and peers present certificates. */
export const ETCD_HOSTS = ["etcd1", "etcd2", "etcd3"];
/** Postgres members: clients verify these names (sslmode=verify-full). */
export const POSTGRES_HOSTS = ["pg1", "pg2"];
/** Internal names the CA may sign for besides the domain (the stack's TLS peers). */
export const INTERNAL_NAMES = [...new Set([...PGBACKREST_HOSTS, ...ETCD_HOSTS, ...POSTGRES_HOSTS])];
/** Node addresses: the private ranges Docker, Vagrant and most LANs hand out, and loopback. */
export const NODE_IP_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"];
/** The client certificate the lab, its tests and drills present to node engines. */
export const ENGINE_CLIENT = "swarm-lab-engine-client";

export function writePrivate(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function labScope(domain: string): CaScope {
  return { dns: [domain, ...INTERNAL_NAMES], ipRanges: NODE_IP_RANGES };
}

/** The engine CA vouches for node addresses only. */
export const ENGINE_SCOPE: CaScope = { dns: [], ipRanges: NODE_IP_RANGES };

/** The etcd CA vouches for the members' names and loopback only. */
export const ETCD_SCOPE: CaScope = { dns: ETCD_HOSTS, ipRanges: ["127.0.0.0/8"] };

const sameScope = (a: CaScope | undefined, b: CaScope) =>
  !!a &&
  JSON.stringify([...a.dns].sort()) === JSON.stringify([...b.dns].sort()) &&
  JSON.stringify([...a.ipRanges].sort()) === JSON.stringify([...b.ipRanges].sort());

export interface TlsSummary {
  /** Why a new CA was made, or undefined when the existing one is kept. */
  caReason?: string;
  /** Leaf certificates issued this run. */
  issued: string[];
}

function readPem(cert: string, key: string): Pem {
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

function caReason(path: string, scope: CaScope, now: Date): string | undefined {
  if (!existsSync(path)) return "none yet";
  const pem = readFileSync(path, "utf8");
  if (!caScope(pem)) return "the old CA had no name constraints";
  if (!sameScope(caScope(pem), scope)) return "the domain or the names it may sign changed";
  if (certDue(pem, now)) return "it expires within 30 days";
  return undefined;
}

export async function ensureCertificates(
  labName: string,
  domain: string,
  dir?: string,
  now = new Date(),
): Promise<TlsSummary> {
  const p = statePaths(dir);
  const scope = labScope(domain);
  const { ca, reason } = await ensureCa(labName, scope, { cert: p.caCert, key: p.caKey }, now);
  const fresh = (cert: string) =>
    !reason && existsSync(cert) && !certDue(readFileSync(cert, "utf8"), now);
  const issued: string[] = [];
  const wanted = serverNames(domain, ROUTED_SERVICES);
  const names = existsSync(p.tlsCert) ? certNames(readFileSync(p.tlsCert, "utf8")) : [];
  if (!fresh(p.tlsCert) || wanted.some((n) => !names.includes(n))) {
    const leaf = await issueCert(ca, { dns: wanted, usage: "server" }, now);
    writePrivate(p.tlsKey, leaf.key);
    writePrivate(p.tlsCert, leaf.cert + ca.cert);
    issued.push("entry point");
  }
  const roles = [
    ["pgBackRest members", PGBACKREST_ROLES.member, p.pgbackrestCert, p.pgbackrestKey],
    [
      "pgBackRest repository",
      PGBACKREST_ROLES.repository,
      p.pgbackrestRepositoryCert,
      p.pgbackrestRepositoryKey,
    ],
  ] as const;
  for (const [title, role, certFile, keyFile] of roles) {
    // A lab from before held one certificate for both roles (all three names): issued again.
    const sameNames =
      existsSync(certFile) &&
      JSON.stringify(certNames(readFileSync(certFile, "utf8")).sort()) ===
        JSON.stringify([...role.dns].sort());
    if (fresh(certFile) && sameNames) continue;
    const leaf = await issueCert(
      ca,
      { dns: [...role.dns], commonName: role.commonName, usage: "both" },
      now,
    );
    writePrivate(keyFile, leaf.key);
    writePrivate(certFile, leaf.cert);
    issued.push(title);
  }
  issued.push(...(await ensureEtcdCertificates(labName, p, now)));
  if (!fresh(p.postgresCert)) {
    const leaf = await issueCert(ca, { dns: POSTGRES_HOSTS, usage: "server" }, now);
    writePrivate(p.postgresKey, leaf.key);
    writePrivate(p.postgresCert, leaf.cert);
    issued.push("Postgres");
  }
  // The engines' CA: the engines trust it alone, so no certificate a task holds (all signed by
  // the lab CA) opens an engine.
  const engine = await ensureCa(
    labName,
    ENGINE_SCOPE,
    { cert: p.engineCaCert, key: p.engineCaKey },
    now,
    "engine CA",
  );
  if (engine.reason) issued.push("engine CA");
  const client: LeafSpec = { commonName: ENGINE_CLIENT, usage: "client" };
  if (await ensureLeafOf(engine.ca, { cert: p.engineCert, key: p.engineKey }, client, now))
    issued.push("engine client");
  writePrivate(p.engineCa, engine.ca.cert);
  return { ...(reason ? { caReason: reason } : {}), issued };
}

/**
 * etcd's own CA and what it signs: the members' certificate (server and peer; 127.0.0.1 for
 * etcdctl inside a member's container) and Patroni's client certificate. etcd trusts this CA
 * alone, so a certificate the lab CA signed (pgBackRest's, held by the backup task and the
 * members) does not open Patroni's keys. A leaf from an older layout (signed by the lab CA) is
 * issued again.
 */
async function ensureEtcdCertificates(
  labName: string,
  p: ReturnType<typeof statePaths>,
  now: Date,
): Promise<string[]> {
  const issued: string[] = [];
  const etcd = await ensureCa(
    labName,
    ETCD_SCOPE,
    { cert: p.etcdCaCert, key: p.etcdCaKey },
    now,
    "etcd CA",
  );
  if (etcd.reason) issued.push("etcd CA");
  const member: LeafSpec = {
    dns: ETCD_HOSTS,
    ips: ["127.0.0.1"],
    commonName: "etcd",
    usage: "both",
  };
  if (await ensureLeafOf(etcd.ca, { cert: p.etcdCert, key: p.etcdKey }, member, now))
    issued.push("etcd");
  const patroni: LeafSpec = { commonName: "patroni", usage: "client" };
  if (await ensureLeafOf(etcd.ca, { cert: p.etcdClientCert, key: p.etcdClientKey }, patroni, now))
    issued.push("etcd client");
  return issued;
}

/**
 * Issues `spec` from `ca` into `files` unless the leaf there is valid and was signed by `ca` (one
 * from an older layout, signed by the lab CA, is issued again); true when it issued one.
 */
async function ensureLeafOf(
  ca: Pem,
  files: { cert: string; key: string },
  spec: LeafSpec,
  now: Date,
): Promise<boolean> {
  const held = existsSync(files.cert) ? readFileSync(files.cert, "utf8") : undefined;
  if (held && !certDue(held, now) && (await issuedBy(held, ca.cert))) return false;
  const leaf = await issueCert(ca, spec, now);
  writePrivate(files.key, leaf.key);
  writePrivate(files.cert, leaf.cert);
  return true;
}

/** A CA kept in the state folder: made when missing, due or of another scope (and why). */
async function ensureCa(
  labName: string,
  scope: CaScope,
  files: { cert: string; key: string },
  now: Date,
  title = "CA",
): Promise<{ ca: Pem; reason: string | undefined }> {
  const reason = caReason(files.cert, scope, now);
  if (reason) {
    const made = await createCa(labName, scope, now, title);
    writePrivate(files.key, made.key);
    writePrivate(files.cert, made.cert);
  }
  chmodSync(files.key, 0o600);
  return { ca: readPem(files.cert, files.key), reason };
}

/** What a client presents to a node engine (mutual TLS on port 2376). */
export interface EngineTls {
  ca: string;
  cert: string;
  key: string;
}

export function engineClientTls(dir?: string): EngineTls {
  const p = statePaths(dir);
  return { ca: readFileSync(p.engineCa, "utf8"), ...readPem(p.engineCert, p.engineKey) };
}

/** A node engine's server certificate, from the engine CA: valid for its address only. */
export async function issueNodeCert(address: string, dir?: string): Promise<EngineTls> {
  const p = statePaths(dir);
  const ca = readPem(p.engineCaCert, p.engineCaKey);
  const leaf = await issueCert(ca, { ips: [address], usage: "server" });
  return { ca: ca.cert, ...leaf };
}

/**
 * A host's engine certificate as files, where the provisioning play reads them
 * (`docker_engine_tls_source/<host>/{ca,server,server-key}.pem`): ssh and vagrant hosts.
 */
export async function writeHostCert(address: string, folder: string): Promise<void> {
  const tls = await issueNodeCert(address);
  writePrivate(join(folder, "ca.pem"), tls.ca);
  writePrivate(join(folder, "server.pem"), tls.cert);
  writePrivate(join(folder, "server-key.pem"), tls.key);
}

/** The environment that points the docker CLI at a node engine over mutual TLS. */
export function engineEnv(address: string, port: number, dir?: string): Record<string, string> {
  return {
    DOCKER_HOST: `tcp://${address}:${port}`,
    DOCKER_TLS_VERIFY: "1",
    DOCKER_CERT_PATH: statePaths(dir).engineDir,
  };
}

/** The lab CA (certificate and key), for certificates issued outside `up` (the class registry). */
export function readLabCa(dir?: string): Pem {
  const p = statePaths(dir);
  if (!existsSync(p.caKey))
    throw new LabError(
      `the lab CA is missing from the state folder (${p.caKey})`,
      "bring the lab up once on this machine (npm run lab:up -- --images offline): it creates the CA and builds the images",
      EXIT.notRunning,
    );
  return readPem(p.caCert, p.caKey);
}
