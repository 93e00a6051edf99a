/** The one gitignored folder holding what must survive a `down`: CA, certificates, secrets. */
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export function stateDir(): string {
  return resolve(process.env.LAB_STATE_DIR ?? `${REPO_ROOT}/.lab`);
}

export const statePaths = (dir = stateDir()) => ({
  dir,
  caCert: `${dir}/ca/ca.crt`,
  caKey: `${dir}/ca/ca.key`,
  tlsCert: `${dir}/tls/lab.crt`,
  tlsKey: `${dir}/tls/lab.key`,
  pgbackrestCert: `${dir}/tls/pgbackrest.crt`,
  pgbackrestKey: `${dir}/tls/pgbackrest.key`,
  // The layout DOCKER_CERT_PATH expects: `DOCKER_CERT_PATH=.lab/engine DOCKER_TLS_VERIFY=1`.
  engineDir: `${dir}/engine`,
  engineCa: `${dir}/engine/ca.pem`,
  engineCert: `${dir}/engine/cert.pem`,
  engineKey: `${dir}/engine/key.pem`,
  secrets: `${dir}/secrets`,
  dashboardPassword: `${dir}/secrets/dashboard-password`,
  dashboardHtpasswd: `${dir}/secrets/dashboard.htpasswd`,
  pgSuperuserPassword: `${dir}/secrets/pg-superuser-password`,
  pgReplicationPassword: `${dir}/secrets/pg-replication-password`,
  appDbPassword: `${dir}/secrets/app-db-password`,
  appOwnerPassword: `${dir}/secrets/app-owner-password`,
  appJwtSecret: `${dir}/secrets/app-jwt-secret`,
  appAdminPassword: `${dir}/secrets/app-admin-password`,
  pgMonitorPassword: `${dir}/secrets/pg-monitor-password`,
  grafanaAdminPassword: `${dir}/secrets/grafana-admin-password`,
  remediatorToken: `${dir}/secrets/remediator-token`,
  stackFile: `${dir}/stack.yml`,
  alertmanagerConfig: `${dir}/alertmanager.yml`,
  edgeConfig: `${dir}/edge/haproxy.cfg`,
  build: `${dir}/build`,
});
