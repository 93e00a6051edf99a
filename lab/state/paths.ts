/** The one gitignored folder holding what must survive a `down`: CA, certificates, secrets. */
import { resolve } from "node:path";
import { ALERTMANAGER_FILE } from "../plan/names.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

export function stateDir(): string {
  return resolve(process.env.LAB_STATE_DIR ?? `${REPO_ROOT}/.lab`);
}

export const statePaths = (dir = stateDir()) => ({
  dir,
  caCert: `${dir}/ca/ca.crt`,
  caKey: `${dir}/ca/ca.key`,
  // The engines' own CA: it signs the node engines' server certificates and the one client
  // certificate that drives them; no task holds anything it signed.
  engineCaCert: `${dir}/engine-ca/ca.crt`,
  engineCaKey: `${dir}/engine-ca/ca.key`,
  tlsCert: `${dir}/tls/lab.crt`,
  tlsKey: `${dir}/tls/lab.key`,
  pgbackrestCert: `${dir}/tls/pgbackrest.crt`,
  pgbackrestKey: `${dir}/tls/pgbackrest.key`,
  etcdCert: `${dir}/tls/etcd.crt`,
  etcdKey: `${dir}/tls/etcd.key`,
  etcdClientCert: `${dir}/tls/etcd-client.crt`,
  etcdClientKey: `${dir}/tls/etcd-client.key`,
  postgresCert: `${dir}/tls/postgres.crt`,
  postgresKey: `${dir}/tls/postgres.key`,
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
  patroniApiPassword: `${dir}/secrets/patroni-api-password`,
  /** Prometheus' --web.config.file: the dashboards' user, bcrypt (Traefik passes the header on). */
  prometheusWebConfig: `${dir}/secrets/prometheus-web.yml`,
  stackFile: `${dir}/stack.yml`,
  alertmanagerConfig: `${dir}/${ALERTMANAGER_FILE}`,
  edgeConfig: `${dir}/edge/haproxy.cfg`,
  build: `${dir}/build`,
});
