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
  // etcd's own CA: it signs the members' certificate and Patroni's client certificate only, so
  // no other certificate a task holds (pgBackRest's, Postgres') is let into Patroni's keys.
  etcdCaCert: `${dir}/etcd-ca/ca.crt`,
  etcdCaKey: `${dir}/etcd-ca/ca.key`,
  tlsCert: `${dir}/tls/lab.crt`,
  tlsKey: `${dir}/tls/lab.key`,
  // pgBackRest, one certificate per role: the members (pg1, pg2), the repository host (backup).
  pgbackrestCert: `${dir}/tls/pgbackrest.crt`,
  pgbackrestKey: `${dir}/tls/pgbackrest.key`,
  pgbackrestRepositoryCert: `${dir}/tls/pgbackrest-repository.crt`,
  pgbackrestRepositoryKey: `${dir}/tls/pgbackrest-repository.key`,
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
  /** Alertmanager's bearer token for the lab's webhooks (the receiver's and the remediator's). */
  alertWebhookToken: `${dir}/secrets/alert-webhook-token`,
  patroniApiPassword: `${dir}/secrets/patroni-api-password`,
  /** Prometheus' --web.config.file: the dashboards' user, bcrypt (Traefik passes the header on). */
  prometheusWebConfig: `${dir}/secrets/prometheus-web.yml`,
  /**
   * Alertmanager's --web.config.file: the dashboards' user (through Traefik), and one user for each
   * job that calls its API, Prometheus and the remediator, each with a password of its own.
   */
  alertmanagerWebConfig: `${dir}/secrets/alertmanager-web.yml`,
  alertmanagerPrometheusPassword: `${dir}/secrets/alertmanager-prometheus-password`,
  alertmanagerRemediatorPassword: `${dir}/secrets/alertmanager-remediator-password`,
  stackFile: `${dir}/stack.yml`,
  alertmanagerConfig: `${dir}/${ALERTMANAGER_FILE}`,
  edgeConfig: `${dir}/edge/haproxy.cfg`,
  build: `${dir}/build`,
});
