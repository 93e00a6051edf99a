import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer } from "node:tls";
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  caScope,
  certDue,
  certNames,
  createCa,
  issueCert,
  issuedBy,
  serverNames,
} from "../../lab/state/ca.js";
import { statePaths } from "../../lab/state/paths.js";
import { ensureState } from "../../lab/state/secrets.js";
import { ENGINE_CLIENT, issueNodeCert, labScope } from "../../lab/state/tls.js";

const scope = labScope("lab.localhost");

describe("lab CA", () => {
  it("issues a server certificate the CA verifies, for every lab name", async () => {
    const ca = await createCa("t", scope);
    const leaf = await issueCert(ca, {
      dns: serverNames("lab.localhost", ["app", "traefik"]),
      usage: "server",
    });
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(leaf.cert);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.checkHost("app.lab.localhost")).toBeTruthy();
    expect(cert.checkHost("anything.lab.localhost")).toBe("*.lab.localhost");
    expect(cert.checkHost("app.other.localhost")).toBeUndefined();
    expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
  });

  it("a certificate from another CA does not verify", async () => {
    const [a, b] = [await createCa("a", scope), await createCa("b", scope)];
    const leaf = await issueCert(a, { dns: ["x.localhost"], usage: "server" });
    expect(new X509Certificate(leaf.cert).verify(new X509Certificate(b.cert).publicKey)).toBe(
      false,
    );
  });

  it("writes a parseable chain, private files, and reuses them on the next run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-state-"));
    const first = await ensureState("t", "lab.localhost", dir);
    expect(first).toEqual({
      caReason: "none yet",
      issued: [
        "entry point",
        "pgBackRest members",
        "pgBackRest repository",
        "etcd CA",
        "etcd",
        "etcd client",
        "Postgres",
        "engine CA",
        "engine client",
      ],
    });
    const p = statePaths(dir);
    const chain = readFileSync(p.tlsCert, "utf8");
    // Both blocks parse: the leaf's PEM ends with a newline before the CA's begins.
    const blocks = chain.split(/(?<=-----END CERTIFICATE-----\n)/).filter(Boolean);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(() => new X509Certificate(b)).not.toThrow();
    expect(statSync(p.caKey).mode & 0o077).toBe(0);
    expect(readFileSync(p.dashboardHtpasswd, "utf8")).toMatch(/^admin:\$2[aby]\$10\$/);
    // Alertmanager's users: the dashboards', Prometheus' and the remediator's, each its own
    // password (a hash that matches its file and no other), all files private.
    const am = parse(readFileSync(p.alertmanagerWebConfig, "utf8")).basic_auth_users as Record<
      string,
      string
    >;
    expect(Object.keys(am).sort()).toEqual(["admin", "prometheus", "remediator"]);
    const own = {
      admin: p.dashboardPassword,
      prometheus: p.alertmanagerPrometheusPassword,
      remediator: p.alertmanagerRemediatorPassword,
    };
    const passwords = Object.values(own).map((f) => readFileSync(f, "utf8").trim());
    expect(new Set(passwords).size).toBe(3);
    for (const [user, file] of Object.entries(own)) {
      const pass = readFileSync(file, "utf8").trim();
      expect(bcrypt.compareSync(pass, am[user] ?? ""), `${user}'s own hash`).toBe(true);
      expect(statSync(file).mode & 0o077).toBe(0);
    }
    // A hash is for its own user only: the remediator's password does not open Prometheus' user.
    expect(bcrypt.compareSync(passwords[2] ?? "", am.prometheus ?? "")).toBe(false);
    expect(statSync(p.alertmanagerWebConfig).mode & 0o077).toBe(0);
    for (const f of [p.engineKey, p.pgbackrestKey, p.tlsKey])
      expect(statSync(f).mode & 0o077).toBe(0);
    expect(await ensureState("t", "lab.localhost", dir)).toEqual({ issued: [] });
    // A new domain needs a new CA: the old one may not vouch for it.
    const again = await ensureState("t", "demo.localhost", dir);
    expect(again.caReason).toMatch(/domain/);
    expect(certNames(readFileSync(p.tlsCert, "utf8"))).toContain("app.demo.localhost");
    expect(caScope(readFileSync(p.caCert, "utf8"))?.dns).toContain("demo.localhost");
    // Three CAs, eight leaves and five bcrypt hashes, twice: seconds on a busy machine.
  }, 30_000);
});

describe("lab CA name constraints (checked by OpenSSL, the verifier curl and Node use)", () => {
  const dir = mkdtempSync(join(tmpdir(), "lab-ca-"));
  const verify = async (dns: string[], ips: string[] = []) => {
    const ca = await createCa("t", scope);
    const leaf = await issueCert(ca, { dns, ips, usage: "server" });
    writeFileSync(join(dir, "ca.pem"), ca.cert);
    writeFileSync(join(dir, "leaf.pem"), leaf.cert);
    const r = spawnSync(
      "openssl",
      ["verify", "-purpose", "sslserver", "-CAfile", join(dir, "ca.pem"), join(dir, "leaf.pem")],
      { encoding: "utf8" },
    );
    return `${r.stdout}${r.stderr}`;
  };

  it("carries the lab's domain, internal names and private ranges as a critical extension", async () => {
    const ca = await createCa("t", scope);
    expect(caScope(ca.cert)).toEqual(scope);
    expect(new X509Certificate(ca.cert).toLegacyObject()).toBeDefined();
  });

  it.each([
    [["app.lab.localhost"], [], true],
    [["lab.localhost", "*.lab.localhost"], [], true],
    [["backup", "pg1"], [], true],
    [[], ["172.18.0.2"], true],
    [["www.example.com"], [], false],
    [["app.lab.localhost", "bank.example"], [], false],
    [["localhost"], [], false],
    [[], ["8.8.8.8"], false],
  ])("dns %j ip %j verifies: %s", async (dns, ips, ok) => {
    const out = await verify(dns, ips);
    if (ok) expect(out).toMatch(/: OK/);
    else expect(out).toMatch(/permitted subtree violation|name constraints/i);
  });

  it("a TLS client that trusts only the lab CA refuses a certificate for another site", async () => {
    const ca = await createCa("t", scope);
    const evil = await issueCert(ca, { dns: ["example.com"], usage: "server" });
    const server = createServer({ cert: evil.cert, key: evil.key }, (s) => s.end("hello"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const err = await new Promise<Error | undefined>((resolve) => {
      const s = connect({ host: "127.0.0.1", port, servername: "example.com", ca: ca.cert }, () => {
        s.end();
        resolve(undefined);
      });
      s.on("error", resolve);
    });
    server.close();
    expect(err?.message).toMatch(/permitted subtree violation/i);
  });

  it("renews a certificate 30 days before it expires", async () => {
    const ca = await createCa("t", scope);
    const leaf = await issueCert(ca, { dns: ["lab.localhost"], usage: "server" });
    expect(certDue(leaf.cert)).toBe(false);
    expect(certDue(leaf.cert, new Date(Date.now() + 800 * 86_400_000))).toBe(true);
  });
});

// Each test makes a whole state (three CAs, bcrypt hashes): seconds on a busy machine.
describe("one key per door: the engines' CA, etcd's CA, pgBackRest's two roles", {
  timeout: 30_000,
}, () => {
  /** A TLS server that, like a node engine, asks for a client certificate from `ca` only. */
  async function engineLike(
    server: { cert: string; key: string },
    ca: string,
    client: { cert: string; key: string },
  ): Promise<string> {
    const tls = createServer({ ...server, ca, requestCert: true, rejectUnauthorized: true }, (s) =>
      s.end("answered"),
    );
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    const port = (tls.address() as AddressInfo).port;
    try {
      return await new Promise<string>((resolve) => {
        const s = connect({ host: "127.0.0.1", port, ca, ...client }, () => undefined);
        let data = "";
        s.on("data", (d) => (data += d));
        s.on("end", () => resolve(data || "refused: closed"));
        s.on("error", (e) => resolve(`refused: ${e.message}`));
      });
    } finally {
      tls.close();
    }
  }

  it("engines answer the lab's engine client and refuse every certificate a task holds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-engine-ca-"));
    await ensureState("t", "lab.localhost", dir);
    const p = statePaths(dir);
    const read = (cert: string, key: string) => ({
      cert: readFileSync(cert, "utf8"),
      key: readFileSync(key, "utf8"),
    });
    const node = await issueNodeCert("127.0.0.1", dir);
    expect(node.ca).toBe(readFileSync(p.engineCa, "utf8"));
    expect(await issuedBy(node.cert, readFileSync(p.engineCaCert, "utf8"))).toBe(true);
    expect(await issuedBy(node.cert, readFileSync(p.caCert, "utf8"))).toBe(false);
    const engine = (client: { cert: string; key: string }) => engineLike(node, node.ca, client);
    expect(await engine(read(p.engineCert, p.engineKey))).toBe("answered");
    const held = {
      "etcd client (pg tasks)": read(p.etcdClientCert, p.etcdClientKey),
      "etcd member (etcd tasks)": read(p.etcdCert, p.etcdKey),
      "pgBackRest members (pg tasks)": read(p.pgbackrestCert, p.pgbackrestKey),
      "pgBackRest repository (backup task)": read(
        p.pgbackrestRepositoryCert,
        p.pgbackrestRepositoryKey,
      ),
    };
    for (const [what, client] of Object.entries(held))
      expect(await engine(client), what).toMatch(/^refused/);
  });

  it("a lab from before: its engine client certificate, from the lab CA, is issued again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-engine-ca-old-"));
    await ensureState("t", "lab.localhost", dir);
    const p = statePaths(dir);
    const labCa = { cert: readFileSync(p.caCert, "utf8"), key: readFileSync(p.caKey, "utf8") };
    const old = await issueCert(labCa, { commonName: ENGINE_CLIENT, usage: "client" });
    writeFileSync(p.engineCert, old.cert);
    writeFileSync(p.engineKey, old.key);
    expect(await ensureState("t", "lab.localhost", dir)).toEqual({ issued: ["engine client"] });
    const now = readFileSync(p.engineCert, "utf8");
    expect(await issuedBy(now, readFileSync(p.engineCaCert, "utf8"))).toBe(true);
    expect(statSync(p.engineCaKey).mode & 0o077).toBe(0);
  });

  it("etcd (its own CA) answers Patroni's client certificate and refuses every other one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-etcd-ca-"));
    await ensureState("t", "lab.localhost", dir);
    const p = statePaths(dir);
    const read = (cert: string, key: string) => ({
      cert: readFileSync(cert, "utf8"),
      key: readFileSync(key, "utf8"),
    });
    const etcdCa = readFileSync(p.etcdCaCert, "utf8");
    const etcd = (client: { cert: string; key: string }) =>
      engineLike(read(p.etcdCert, p.etcdKey), etcdCa, client);
    expect(await etcd(read(p.etcdClientCert, p.etcdClientKey))).toBe("answered");
    const others = {
      "pgBackRest members (pg tasks)": read(p.pgbackrestCert, p.pgbackrestKey),
      "pgBackRest repository (backup task)": read(
        p.pgbackrestRepositoryCert,
        p.pgbackrestRepositoryKey,
      ),
      "the engine client (the lab CLI)": read(p.engineCert, p.engineKey),
    };
    for (const [what, client] of Object.entries(others))
      expect(await etcd(client), what).toMatch(/^refused/);
    expect(await issuedBy(read(p.etcdCert, p.etcdKey).cert, readFileSync(p.caCert, "utf8"))).toBe(
      false,
    );
  });

  it("pgBackRest: one certificate per role, each named for its own hosts; a shared one from before is issued again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-pgbackrest-"));
    await ensureState("t", "lab.localhost", dir);
    const p = statePaths(dir);
    const subject = (f: string) => new X509Certificate(readFileSync(f, "utf8")).subject;
    expect(subject(p.pgbackrestCert)).toContain("CN=pgbackrest-member");
    expect(certNames(readFileSync(p.pgbackrestCert, "utf8")).sort()).toEqual(["pg1", "pg2"]);
    expect(subject(p.pgbackrestRepositoryCert)).toContain("CN=pgbackrest-repository");
    expect(certNames(readFileSync(p.pgbackrestRepositoryCert, "utf8"))).toEqual(["backup"]);
    const labCa = { cert: readFileSync(p.caCert, "utf8"), key: readFileSync(p.caKey, "utf8") };
    const shared = await issueCert(labCa, {
      dns: ["backup", "pg1", "pg2"],
      commonName: "pgbackrest",
      usage: "both",
    });
    writeFileSync(p.pgbackrestCert, shared.cert);
    writeFileSync(p.pgbackrestKey, shared.key);
    expect(await ensureState("t", "lab.localhost", dir)).toEqual({
      issued: ["pgBackRest members"],
    });
    expect(subject(p.pgbackrestCert)).toContain("CN=pgbackrest-member");
  });

  it("a lab from before: etcd's certificates, from the lab CA, are issued again by etcd's CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-etcd-ca-old-"));
    await ensureState("t", "lab.localhost", dir);
    const p = statePaths(dir);
    const labCa = { cert: readFileSync(p.caCert, "utf8"), key: readFileSync(p.caKey, "utf8") };
    const old = await issueCert(labCa, { commonName: "patroni", usage: "client" });
    writeFileSync(p.etcdClientCert, old.cert);
    writeFileSync(p.etcdClientKey, old.key);
    expect(await ensureState("t", "lab.localhost", dir)).toEqual({ issued: ["etcd client"] });
    const now = readFileSync(p.etcdClientCert, "utf8");
    expect(await issuedBy(now, readFileSync(p.etcdCaCert, "utf8"))).toBe(true);
    expect(statSync(p.etcdCaKey).mode & 0o077).toBe(0);
  });
});
