/**
 * The database chain without a lab: one etcd member and one Patroni member from the lab's images,
 * with certificates from a CA of the lab's shape, then the app's migrate job and the app itself.
 * Checks what each image must do: etcd asks clients for a certificate, the Postgres image
 * bootstraps a Patroni member that answers TLS only (verify-full against the CA), the migrate
 * job brings the schema to head, and the app answers health and readiness against that member.
 */
import {
  GenericContainer,
  Network,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ETCD_HOSTS, ETCD_SCOPE, POSTGRES_HOSTS } from "../../lab/state/tls.js";
import { psqlProbe } from "../support/postgres.js";
import { DOMAIN, labImage, password, secret, testCa } from "./support.js";

const PG_SECRETS = [
  "pg_superuser_password",
  "pg_replication_password",
  "app_db_password",
  "app_owner_password",
  "pg_monitor_password",
  "patroni_api_password",
] as const;

let network: StartedNetwork;
const started: StartedTestContainer[] = [];
let etcd: StartedTestContainer;
let pg: StartedTestContainer;
let ca: string;
let etcdCa: string;
const passwords = Object.fromEntries(PG_SECRETS.map((s) => [s, password()])) as Record<
  (typeof PG_SECRETS)[number],
  string
>;

beforeAll(async () => {
  const t = await testCa();
  ca = t.ca.cert;
  // etcd's own CA, as the lab makes it: it signs the member's and Patroni's certificates only.
  const e = await testCa(ETCD_SCOPE);
  etcdCa = e.ca.cert;
  const etcdCert = await e.issue({
    dns: ETCD_HOSTS,
    ips: ["127.0.0.1"],
    commonName: "etcd",
    usage: "both",
  });
  const client = await e.issue({ commonName: "patroni", usage: "client" });
  const pgCert = await t.issue({ dns: POSTGRES_HOSTS, usage: "server" });
  const backrest = await t.issue({
    dns: ["pg1"],
    commonName: "pgbackrest-member",
    usage: "both",
  });
  network = await new Network().start();

  etcd = await new GenericContainer(await labImage("etcd"))
    .withNetwork(network)
    .withNetworkAliases("etcd1")
    .withEnvironment({ LAB_ETCD_NAME: "etcd1", LAB_ETCD_CLUSTER: "etcd1=http://etcd1:2380" })
    .withCopyContentToContainer([
      secret("etcd_ca", etcdCa),
      secret("etcd_cert", etcdCert.cert),
      secret("etcd_key", etcdCert.key),
      // For the checks below: a client certificate inside the member's container, and
      // pgBackRest's (from the lab CA), which etcd must refuse.
      secret("test_client_cert", client.cert),
      secret("test_client_key", client.key),
      secret("test_lab_cert", backrest.cert),
      secret("test_lab_key", backrest.key),
    ])
    .withWaitStrategy(Wait.forLogMessage(/ready to serve client requests/))
    .withStartupTimeout(60_000)
    .start();
  started.push(etcd);

  pg = await new GenericContainer(await labImage("postgres"))
    .withNetwork(network)
    .withNetworkAliases("pg1")
    .withEnvironment({
      PATRONI_NAME: "pg1",
      PATRONI_SCOPE: "integration",
      PG_MEMBERS: "pg1",
      ETCD_HOSTS: "etcd1:2379",
      PG_SYNCHRONOUS_MODE: "false",
      PG_SUPERUSER_PASSWORD_FILE: "/run/secrets/pg_superuser_password",
      PG_REPLICATION_PASSWORD_FILE: "/run/secrets/pg_replication_password",
      PG_APP_PASSWORD_FILE: "/run/secrets/app_db_password",
      PG_OWNER_PASSWORD_FILE: "/run/secrets/app_owner_password",
      PG_MONITOR_PASSWORD_FILE: "/run/secrets/pg_monitor_password",
      PATRONI_API_PASSWORD_FILE: "/run/secrets/patroni_api_password",
    })
    .withCopyContentToContainer([
      ...PG_SECRETS.map((s) => secret(s, passwords[s])),
      secret("lab_ca", ca),
      secret("etcd_ca", etcdCa),
      secret("pg_server_cert", pgCert.cert),
      secret("pg_server_key", pgCert.key),
      secret("etcd_client_cert", client.cert),
      secret("etcd_client_key", client.key),
      secret("pgbackrest_cert", backrest.cert),
      secret("pgbackrest_key", backrest.key),
    ])
    .withExposedPorts(8008)
    // Patroni's /primary answers 200 once this member holds the leader key and Postgres runs.
    .withWaitStrategy(Wait.forHttp("/primary", 8008).forStatusCode(200))
    .withStartupTimeout(120_000)
    .start();
  started.push(pg);
}, 240_000);

afterAll(async () => {
  for (const c of started.reverse()) await c.stop().catch(() => {});
  await network?.stop().catch(() => {});
});

const etcdctl = (args: string[]) =>
  etcd.exec([
    "etcdctl",
    "--endpoints=https://127.0.0.1:2379",
    "--cacert=/run/secrets/etcd_ca",
    "--command-timeout=5s",
    ...args,
  ]);
/** The client certificate the test placed in the member's container. */
const CLIENT = ["--cert=/run/secrets/test_client_cert", "--key=/run/secrets/test_client_key"];

describe("the etcd image", () => {
  it("serves clients with a certificate from its own CA, and refuses one without or from the lab CA", async () => {
    const withCert = await etcdctl([...CLIENT, "endpoint", "health"]);
    expect(withCert.output).toMatch(/is healthy/);
    expect(withCert.exitCode).toBe(0);
    const without = await etcdctl(["endpoint", "health"]);
    expect(without.exitCode).not.toBe(0);
    expect(without.output).toMatch(/bad certificate|certificate required|unhealthy/i);
    // A certificate of the lab CA (pgBackRest's, which the members and the backup task hold).
    const labCert = await etcdctl([
      "--cert=/run/secrets/test_lab_cert",
      "--key=/run/secrets/test_lab_key",
      "endpoint",
      "health",
    ]);
    expect(labCert.exitCode).not.toBe(0);
    expect(labCert.output).toMatch(/bad certificate|unknown authority|unhealthy/i);
  });

  it("holds the Patroni member's leader key", async () => {
    const keys = await etcdctl([
      ...CLIENT,
      "get",
      "--prefix",
      "--keys-only",
      "/service/integration/",
    ]);
    expect(keys.output).toMatch(/\/service\/integration\/leader/);
  });
});

describe("the Postgres image (a Patroni member)", () => {
  const psql = (conn: string) => pg.exec(psqlProbe(conn));

  it("bootstraps as primary with the lab's roles and the app database", async () => {
    const r = await pg.exec(
      [
        "psql",
        "-h",
        "/var/run/postgresql",
        "-U",
        "postgres",
        "-Atc",
        "select string_agg(rolname, ',' order by rolname) from pg_roles where rolname in ('app','app_owner','monitor'); select datname from pg_database where datname = 'app'",
      ],
      { user: "postgres" },
    );
    expect(r.stdout.trim().split("\n")).toEqual(["app,app_owner,monitor", "app"]);
  });

  it("answers TLS verified against the CA, and refuses plain connections and strangers", async () => {
    const verified = await psql("sslmode=verify-full sslrootcert=/run/secrets/lab_ca");
    expect(verified.stderr).toBe("");
    expect(verified.stdout.trim()).toBe("connected true");
    const plain = await psql("sslmode=disable");
    expect(plain.exitCode).not.toBe(0);
    expect(plain.output).toMatch(/no encryption|rejects connection/);
    const strangers = await psql(
      "sslmode=verify-full sslrootcert=/etc/ssl/certs/ca-certificates.crt",
    );
    expect(strangers.exitCode).not.toBe(0);
    expect(strangers.output).toMatch(/certificate verify failed/);
  });
});

describe("the app image against that member", () => {
  const appEnv = {
    APP_DB_HOSTS: "pg1",
    APP_DB_READ_HOSTS: "pg1",
    APP_DB_NAME: "app",
    APP_DB_SSLMODE: "verify-full",
    APP_DB_SSLROOTCERT: "/run/secrets/lab_ca",
  };

  it("migrates as a one-shot job, then serves with the runtime role: live and ready", async () => {
    const adminPassword = password();
    const migrate = await new GenericContainer(await labImage("app"))
      .withNetwork(network)
      .withEntrypoint(["/app/entrypoint.sh", "migrate"])
      .withEnvironment({
        ...appEnv,
        APP_DB_USER: "app_owner",
        APP_DB_PASSWORD_FILE: "/run/secrets/app_owner_password",
        APP_DB_RUNTIME_ROLE: "app",
        APP_ADMIN_EMAIL: `admin@${DOMAIN}`,
        APP_ADMIN_PASSWORD_FILE: "/run/secrets/app_admin_password",
        APP_MIGRATE_ATTEMPTS: "5",
      })
      .withCopyContentToContainer([
        secret("lab_ca", ca),
        secret("app_owner_password", passwords.app_owner_password),
        secret("app_admin_password", adminPassword),
      ])
      .withWaitStrategy(Wait.forOneShotStartup())
      .withStartupTimeout(120_000)
      .start();
    started.push(migrate);
    const logs = await new Promise<string>((resolve, reject) => {
      let out = "";
      migrate
        .logs()
        .then((s) =>
          s
            .on("data", (d) => (out += d))
            .on("end", () => resolve(out))
            .on("error", reject),
        )
        .catch(reject);
    });
    expect(logs).toMatch(/migrations at head, admin present/);

    const app = await new GenericContainer(await labImage("app"))
      .withNetwork(network)
      .withEnvironment({
        ...appEnv,
        APP_DB_USER: "app",
        APP_DB_PASSWORD_FILE: "/run/secrets/app_db_password",
        APP_JWT_SECRET_FILE: "/run/secrets/app_jwt_secret",
        APP_MIGRATE: "0",
      })
      .withCopyContentToContainer([
        secret("lab_ca", ca),
        secret("app_db_password", passwords.app_db_password),
        secret("app_jwt_secret", password() + password()),
      ])
      .withExposedPorts(8000)
      .withWaitStrategy(Wait.forHttp("/health/live", 8000).forStatusCode(200))
      .withStartupTimeout(60_000)
      .start();
    started.push(app);
    const base = `http://${app.getHost()}:${app.getMappedPort(8000)}`;
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    // The runtime role reads the migrated schema: the admin the job made logs in, a wrong
    // password is a 401 (not a 500).
    const login = (pw: string) =>
      fetch(`${base}/auth/token`, {
        method: "POST",
        body: new URLSearchParams({ username: `admin@${DOMAIN}`, password: pw }),
      });
    const good = await login(adminPassword);
    expect(good.status).toBe(200);
    expect(((await good.json()) as { access_token: string }).access_token).toMatch(/^ey/);
    expect((await login("not-the-password")).status).toBe(401);
  });
});
