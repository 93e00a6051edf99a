/** Generated on first `up`, kept in the state folder, given to Swarm as Docker secrets. */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import bcrypt from "bcryptjs";
import { certNames, createCa, issueServerCert, serverNames } from "./ca.js";
import { statePaths } from "./paths.js";

export const DASHBOARD_USER = "admin";
/** pgBackRest's hosts (Swarm service names) and the client name its TLS servers let in. */
export const PGBACKREST_HOSTS = ["backup", "pg1", "pg2"];
export const PGBACKREST_CLIENT = "pgbackrest";
export const ROUTED_SERVICES = ["app", "traefik", "prometheus", "grafana", "alerts", "logs"];

function writePrivate(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, content, { mode: 0o600 });
}

function ensureFile(path: string, make: () => string): string {
  if (!existsSync(path)) writePrivate(path, make());
  return readFileSync(path, "utf8");
}

const password = () => randomBytes(18).toString("base64url");

export interface StateSummary {
  caCreated: boolean;
  certIssued: boolean;
}

export async function ensureState(
  labName: string,
  domain: string,
  dir?: string,
): Promise<StateSummary> {
  const p = statePaths(dir);
  const caCreated = !existsSync(p.caCert);
  if (caCreated) {
    const ca = await createCa(labName);
    writePrivate(p.caKey, ca.key);
    writePrivate(p.caCert, ca.cert);
  }
  const wanted = serverNames(domain, ROUTED_SERVICES);
  const current = existsSync(p.tlsCert) ? certNames(readFileSync(p.tlsCert, "utf8")) : [];
  const certIssued = caCreated || wanted.some((n) => !current.includes(n));
  if (certIssued) {
    const ca = { cert: readFileSync(p.caCert, "utf8"), key: readFileSync(p.caKey, "utf8") };
    const leaf = await issueServerCert(ca, wanted);
    writePrivate(p.tlsKey, leaf.key);
    writePrivate(p.tlsCert, leaf.cert + ca.cert);
  }
  if (caCreated || !existsSync(p.pgbackrestCert)) {
    const ca = { cert: readFileSync(p.caCert, "utf8"), key: readFileSync(p.caKey, "utf8") };
    const leaf = await issueServerCert(ca, PGBACKREST_HOSTS, undefined, {
      commonName: PGBACKREST_CLIENT,
      client: true,
    });
    writePrivate(p.pgbackrestKey, leaf.key);
    writePrivate(p.pgbackrestCert, leaf.cert);
  }
  const dashboard = ensureFile(p.dashboardPassword, password).trim();
  ensureFile(p.dashboardHtpasswd, () => `${DASHBOARD_USER}:${bcrypt.hashSync(dashboard, 10)}\n`);
  ensureFile(p.pgSuperuserPassword, password);
  ensureFile(p.pgReplicationPassword, password);
  ensureFile(p.appDbPassword, password);
  ensureFile(p.appOwnerPassword, password);
  ensureFile(p.appJwtSecret, () => randomBytes(48).toString("base64url"));
  ensureFile(p.appAdminPassword, password);
  ensureFile(p.pgMonitorPassword, password);
  ensureFile(p.grafanaAdminPassword, password);
  ensureFile(p.remediatorToken, () => randomBytes(32).toString("base64url"));
  return { caCreated, certIssued };
}

export function readCa(dir?: string): string {
  return readFileSync(statePaths(dir).caCert, "utf8");
}

/** The API's admin, created at deploy time (its email is admin@<domain>). */
export function appAdminCredentials(
  domain: string,
  dir?: string,
): { email: string; password: string } {
  return {
    email: `admin@${domain}`,
    password: readFileSync(statePaths(dir).appAdminPassword, "utf8").trim(),
  };
}

export function dashboardCredentials(dir?: string): { user: string; password: string } {
  return {
    user: DASHBOARD_USER,
    password: readFileSync(statePaths(dir).dashboardPassword, "utf8").trim(),
  };
}

/** Grafana's admin (official image set). */
export function grafanaCredentials(dir?: string): { user: string; password: string } {
  return {
    user: "admin",
    password: readFileSync(statePaths(dir).grafanaAdminPassword, "utf8").trim(),
  };
}
