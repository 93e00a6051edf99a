/** Generated on first `up`, kept in the state folder, given to Swarm as Docker secrets. */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import bcrypt from "bcryptjs";
import { statePaths } from "./paths.js";
import { ensureCertificates, type TlsSummary, writePrivate } from "./tls.js";

export const DASHBOARD_USER = "admin";

function ensureFile(path: string, make: () => string): string {
  if (!existsSync(path)) writePrivate(path, make());
  return readFileSync(path, "utf8");
}

const password = () => randomBytes(18).toString("base64url");

/** Alertmanager's API users besides the dashboards' (one per job that calls it). */
export const ALERTMANAGER_USERS = { prometheus: "prometheus", remediator: "remediator" } as const;

/** Alertmanager's --web.config.file: each user with the bcrypt hash of its password. */
export const alertmanagerWebConfig = (users: Record<string, string>): string =>
  `basic_auth_users:\n${Object.entries(users)
    .map(([user, pass]) => `  ${user}: "${bcrypt.hashSync(pass, 10)}"\n`)
    .join("")}`;

export async function ensureState(
  labName: string,
  domain: string,
  dir?: string,
): Promise<TlsSummary> {
  const p = statePaths(dir);
  const tls = await ensureCertificates(labName, domain, dir);
  const dashboard = ensureFile(p.dashboardPassword, password).trim();
  // bcrypt (cost 10) only when a file that holds the hash is missing.
  const hash = () => bcrypt.hashSync(dashboard, 10);
  ensureFile(p.dashboardHtpasswd, () => `${DASHBOARD_USER}:${hash()}\n`);
  ensureFile(p.prometheusWebConfig, () => `basic_auth_users:\n  ${DASHBOARD_USER}: "${hash()}"\n`);
  const forPrometheus = ensureFile(p.alertmanagerPrometheusPassword, password).trim();
  const forRemediator = ensureFile(p.alertmanagerRemediatorPassword, password).trim();
  ensureFile(p.alertmanagerWebConfig, () =>
    alertmanagerWebConfig({
      [DASHBOARD_USER]: dashboard,
      [ALERTMANAGER_USERS.prometheus]: forPrometheus,
      [ALERTMANAGER_USERS.remediator]: forRemediator,
    }),
  );
  ensureFile(p.pgSuperuserPassword, password);
  ensureFile(p.pgReplicationPassword, password);
  ensureFile(p.appDbPassword, password);
  ensureFile(p.appOwnerPassword, password);
  ensureFile(p.appJwtSecret, () => randomBytes(48).toString("base64url"));
  ensureFile(p.appAdminPassword, password);
  ensureFile(p.pgMonitorPassword, password);
  ensureFile(p.grafanaAdminPassword, password);
  ensureFile(p.remediatorToken, () => randomBytes(32).toString("base64url"));
  ensureFile(p.alertWebhookToken, () => randomBytes(32).toString("base64url"));
  ensureFile(p.patroniApiPassword, password);
  return tls;
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
