/**
 * Safe on a shared machine: node engines answer only mutual TLS with the lab's client certificate
 * (which only root can read), from the host and from inside a task; the lab CA cannot vouch for
 * another site.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_API_PORT } from "../../lab/drivers/dind/driver.js";
import { DEFAULT_CAPS, NODE_EXTRA_CAPS } from "../../lab/drivers/dind/flags.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { hostDocker, hostEngine } from "../../lab/runtime/docker.js";
import { basicAuth } from "../../lab/runtime/http.js";
import { issueCert } from "../../lab/state/ca.js";
import { REPO_ROOT, statePaths } from "../../lab/state/paths.js";
import { dashboardCredentials } from "../../lab/state/secrets.js";
import { engineEnv } from "../../lab/state/tls.js";
import { eventually, execInTask, nodeDocker, pythonIn, theLab } from "../support/lab.js";
import { psqlProbe } from "../support/postgres.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

const sh = (cmd: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(cmd[0] as string, cmd.slice(1), {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
};
/** Linux capabilities by bit number (linux/capability.h). */
const CAPS = [
  ...["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID"],
  ...["SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW"],
  ...["IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT"],
  ...["SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD"],
  ...["LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG"],
  ...["WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"],
];
const asNobody = (cmd: string[]) => sh(["runuser", "-u", "nobody", "--", ...cmd]);

describe("node engines", () => {
  it("root with the lab's client certificate drives every node (the path the lab uses)", () => {
    for (const node of lab.nodes.filter((n) => n.running)) {
      const r = sh(
        ["docker", "version", "--format", "{{.Server.Version}}"],
        engineEnv(node.address, NODE_API_PORT),
      );
      expect(r.out).toMatch(/^\d+\.\d+/);
      expect(r.code).toBe(0);
    }
  });

  it("a non-root user on the host drives none: no plain TCP, no certificate to borrow", () => {
    const p = statePaths();
    expect(statSync(p.engineKey).mode & 0o077).toBe(0);
    expect(statSync(p.caKey).mode & 0o077).toBe(0);
    expect(statSync(p.engineCaKey).mode & 0o077).toBe(0);
    expect(statSync(p.alertmanagerConfig).mode & 0o077).toBe(0);
    for (const node of lab.nodes.filter((n) => n.running)) {
      const plain = asNobody(["docker", "-H", `tcp://${node.address}:2375`, "service", "ls"]);
      expect(plain.code, plain.out).not.toBe(0);
      expect(plain.out).toMatch(/connection refused|Cannot connect/i);
      // TLS without a client certificate: the engine ends the handshake.
      const anon = asNobody([
        ...["curl", "-sS", "--max-time", "10", "--cacert", p.engineCa],
        `https://${node.address}:${NODE_API_PORT}/services`,
      ]);
      expect(anon.code, anon.out).not.toBe(0);
      expect(anon.out).not.toMatch(/"ID"/);
      // The lab's own client certificate: unreadable to anyone but root.
      const borrowed = asNobody(["cat", p.engineKey]);
      expect(borrowed.code).not.toBe(0);
      expect(borrowed.out).toMatch(/Permission denied/);
    }
  });

  it("a node refused --privileged holds Docker's defaults, SYS_ADMIN, NET_ADMIN and SYS_PTRACE, and no host disk", async (ctx) => {
    const host = hostDocker();
    const nodes = lab.nodes.filter((n) => n.running);
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      const info = await host.getContainer(node.name).inspect();
      // Where the host allows --privileged the lab uses it, and none of this applies.
      if (info.HostConfig.Privileged) ctx.skip();
      const status = await hostEngine().containers.exec(node.name, ["cat", "/proc/1/status"]);
      const bounding = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(status.stdout)?.[1] ?? "0"}`);
      const held = CAPS.filter((_, bit) => (bounding >> BigInt(bit)) & 1n).sort();
      expect(held, node.name).toEqual([...DEFAULT_CAPS, ...NODE_EXTRA_CAPS].sort());
      // The host's first disk, as a device node made inside the node: the device cgroup refuses it.
      const disk = await hostEngine().containers.exec(node.name, [
        "sh",
        "-c",
        "set -- $(awk 'NR>2 && $2 % 16 == 0 {print $1, $2; exit}' /proc/partitions); " +
          'mknod /tmp/hostdisk b "$1" "$2" && head -c 512 /tmp/hostdisk > /dev/null; rc=$?; rm -f /tmp/hostdisk; exit $rc',
      ]);
      expect(disk.code, node.name).not.toBe(0);
      expect(disk.stderr).toMatch(/Operation not permitted/);
    }
  });

  it("from inside an app task, the node engine behind the gateway refuses", async () => {
    const out = await pythonIn(
      lab,
      "app",
      `import socket, ssl, struct
gw = [socket.inet_ntoa(struct.pack("<L", int(f[2], 16))) for f in (l.split() for l in open("/proc/net/route").readlines()[1:]) if f[1] == "00000000"][0]
def plain(port):
    try:
        s = socket.create_connection((gw, port), timeout=5)
        s.sendall(b"GET /_ping HTTP/1.0\\r\\n\\r\\n")
        return "answered " + s.recv(200).decode(errors="replace").split("\\r\\n")[0]
    except OSError as e:
        return "refused " + type(e).__name__
def tls(port):
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    try:
        s = ctx.wrap_socket(socket.create_connection((gw, port), timeout=5))
        s.sendall(b"GET /_ping HTTP/1.0\\r\\n\\r\\n")
        data = s.recv(200).decode(errors="replace")
        return ("answered " + data.split("\\r\\n")[0]) if data else "refused closed"
    except (OSError, ssl.SSLError) as e:
        return "refused " + type(e).__name__ + " " + str(e)[:80]
print(gw); print(plain(2375)); print(tls(2376))`,
    );
    const [gateway, on2375, on2376] = out.split("\n");
    expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(on2375).toMatch(/^refused/);
    // The engine ends the handshake: no client certificate (not a timeout, not a closed port).
    expect(on2376).toMatch(/^refused (SSLError|ConnectionResetError|closed)/);
    expect(on2376).not.toMatch(/answered/);
  });
});

describe("the lab CA", () => {
  const dir = mkdtempSync(join(tmpdir(), "lab-ca-check-"));
  const verify = async (dns: string[]) => {
    const p = statePaths();
    const ca = { cert: readFileSync(p.caCert, "utf8"), key: readFileSync(p.caKey, "utf8") };
    const leaf = await issueCert(ca, { dns, usage: "server" });
    writeFileSync(join(dir, "leaf.pem"), leaf.cert);
    return sh([
      "openssl",
      "verify",
      "-purpose",
      "sslserver",
      "-CAfile",
      p.caCert,
      join(dir, "leaf.pem"),
    ]);
  };

  it("signs for the lab's names, and what it signs for another site is rejected", async () => {
    const ok = await verify([`app.${lab.config.domain}`]);
    expect(ok.out).toMatch(/: OK/);
    const evil = await verify(["accounts.example.com"]);
    expect(evil.code).not.toBe(0);
    expect(evil.out).toMatch(/permitted subtree violation/);
  });
});

/** Python run in a service's task: each probe prints one line "name: outcome". */
const PROBES = `import json, socket, ssl, urllib.request, urllib.error
def http(method, url, body=None):
    try:
        r = urllib.request.urlopen(urllib.request.Request(url, data=body, method=method), timeout=5)
        return "answered %d" % r.status
    except urllib.error.HTTPError as e:
        return "refused %d" % e.code
    except Exception as e:
        return "refused " + type(e).__name__
def tls(host, port):
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    try:
        s = ctx.wrap_socket(socket.create_connection((host, port), timeout=5))
        s.sendall(b"GET /version HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
        data = s.recv(200)
        return ("answered " + data.decode(errors="replace").split("\\r\\n")[0]) if data else "refused closed"
    except Exception as e:
        return "refused " + type(e).__name__
`;

describe("least privilege inside the lab", () => {
  it("from an app task: etcd, Patroni's write endpoints and Prometheus' API refuse", async () => {
    const out = await pythonIn(
      lab,
      "app",
      `${PROBES}
print("etcd:", tls("etcd1", 2379))
print("patroni-read:", http("GET", "http://pg1:8008/health"))
print("patroni-restart:", http("POST", "http://pg1:8008/restart", b"{}"))
print("patroni-config:", http("PATCH", "http://pg1:8008/config", b'{"ttl": 5}'))
print("prometheus:", http("GET", "http://prometheus:9090/api/v1/status/config"))
print("alertmanager:", http("GET", "http://alertmanager:9093/api/v2/silences"))`,
    );
    const seen = Object.fromEntries(out.split("\n").map((l) => l.split(": ")));
    // Not on the control network at all: the name does not even resolve.
    expect(seen.etcd).toMatch(/^refused/);
    // Reads stay open (health checks); writes ask for Patroni's credentials.
    expect(seen["patroni-read"]).toMatch(/^answered 200|^refused 503/);
    expect(seen["patroni-restart"]).toBe("refused 401");
    expect(seen["patroni-config"]).toBe("refused 401");
    expect(seen.prometheus).toBe("refused 401");
    expect(seen.alertmanager).toMatch(/^refused/);
  });

  it("etcd refuses a client without a certificate even on its own networks", async () => {
    const out = await pythonIn(lab, "alert-receiver", `${PROBES}\nprint(tls("etcd1", 2379))`);
    expect(out).toMatch(/^refused (SSLError|ConnectionResetError|closed)/);
  });

  it("from inside pg1: etcd lets in its etcd client certificate and refuses its pgBackRest one (lab CA)", async () => {
    const out = await pythonIn(
      lab,
      "pg1",
      `import socket, ssl
def attempt(cert, key):
    ctx = ssl.create_default_context(cafile="/run/secrets/etcd_ca"); ctx.check_hostname = False
    ctx.load_cert_chain(cert, key)
    try:
        s = ctx.wrap_socket(socket.create_connection(("etcd1", 2379), timeout=5))
        s.sendall(b"GET /version HTTP/1.0\\r\\nHost: etcd1\\r\\n\\r\\n")
        data = s.recv(200)
        return ("answered " + data.decode(errors="replace").split("\\r\\n")[0]) if data else "refused closed"
    except Exception as e:
        return "refused " + type(e).__name__
print("etcd-client:", attempt("/run/secrets/etcd_client_cert", "/run/secrets/etcd_client_key"))
print("pgbackrest:", attempt("/run/secrets/pgbackrest_cert", "/run/secrets/pgbackrest_key"))`,
    );
    const seen = Object.fromEntries(out.split("\n").map((l) => l.split(": ")));
    expect(seen["etcd-client"]).toMatch(/^answered HTTP\/1\.[01] 200/);
    expect(seen.pgbackrest).toMatch(/^refused (SSLError|SSLEOFError|ConnectionResetError|closed)/);
  });

  it("pgBackRest: pg1's key opens the repository host, not the other member (one certificate per role)", async () => {
    const asPostgres = (command: string) =>
      execInTask(lab, "pg1", ["su", "postgres", "-s", "/bin/sh", "-c", `${command} 2>&1`]);
    // pg1 asks pg2's pgBackRest server as if it were the repository: pg2 lets in only the
    // repository's name. (With one certificate for both roles it answered: "missing stanza path".)
    const lateral = await asPostgres(
      "pgbackrest --stanza=main --repo1-host=pg2 --log-level-console=warn info",
    );
    expect(lateral.stdout).not.toMatch(/missing stanza path/);
    expect(lateral.stdout).toMatch(/not authorized|access denied|TLS|certificate|error/i);
    // Its own repository (backup) answers the same request.
    const own = await asPostgres("pgbackrest --stanza=main --log-level-console=warn info");
    expect(own.stdout, own.stderr).toMatch(/stanza: main/);
    expect(own.stdout).not.toMatch(/not authorized/i);
  });

  it("Postgres refuses plain connections and clients that do not trust the lab CA", async () => {
    const psql = (conn: string, host = "pg1") => execInTask(lab, "backup", psqlProbe(conn, host));
    const plain = await psql("sslmode=disable");
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/no encryption|rejects connection/);
    const strangers = await psql(
      "sslmode=verify-full sslrootcert=/etc/ssl/certs/ca-certificates.crt",
    );
    expect(strangers.code).not.toBe(0);
    expect(strangers.stderr).toMatch(/certificate verify failed/);
    // pg1's address under a name its certificate does not carry: verify-full refuses it.
    const wrongName = await psql(
      'sslmode=verify-full sslrootcert=/run/secrets/lab_ca hostaddr=$(getent hosts pg1 | cut -d" " -f1)',
      "backup",
    );
    expect(wrongName.code).not.toBe(0);
    expect(wrongName.stderr).toMatch(/does not match host name "backup"/);
    const lab_ = await psql("sslmode=verify-full sslrootcert=/run/secrets/lab_ca");
    expect(lab_.stderr).toBe("");
    expect(lab_.stdout.trim()).toBe("connected true");
  });
});

describe("the official set's node proxy (Alloy and cAdvisor read a node through it)", () => {
  // Alloy and cAdvisor cannot run here (official set only): the proxy they use is the lab's own
  // HAProxy image with images/docker-proxy/nodelogs.cfg, run on a node as the stack runs it, and
  // asked what Alloy's docker discovery and log source ask, and what they must not.
  it("serves this node's containers and logs on its socket, and refuses every other call", async () => {
    const node = lab.nodes.find((n) => n.running);
    if (!node) throw new Error("no running node");
    const engine = nodeDocker(node);
    // The images as the stack runs them (content-tagged refs, present on every node).
    const ref = async (service: string) =>
      (await lab.manager().services.inspect(`${lab.config.name}_${service}`)).Spec.TaskTemplate
        .ContainerSpec.Image as string;
    const tag = `lab-test-nodeproxy-${process.pid}`;
    const volume = `${tag}-sock`;
    const proxy = await engine.createContainer({
      name: `${tag}-proxy`,
      Image: await ref("docker-ro"),
      Entrypoint: ["/usr/sbin/haproxy", "-db", "-f", "/etc/haproxy/nodelogs.cfg"],
      HostConfig: {
        Binds: ["/var/run/docker.sock:/var/run/docker.sock:ro", `${volume}:/run/docker-node`],
      },
    });
    const client = await engine.createContainer({
      name: `${tag}-client`,
      Image: await ref("app"),
      Entrypoint: ["sleep", "300"],
      User: "0",
      HostConfig: { Binds: [`${volume}:/run/docker-node:ro`] },
    });
    try {
      await proxy.start();
      await client.start();
      const code = `
import http.client, socket, json
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.settimeout(10)
        self.sock.connect("/run/docker-node/docker.sock")
def ask(method, path):
    c = Unix("docker"); c.request(method, path); r = c.getresponse(); return r.status, r.read()
status, body = ask("GET", "/v1.41/containers/json")
first = json.loads(body)[0]["Id"] if status == 200 else "x"
print(status, len(json.loads(body)) if status == 200 else 0)
for m, p in [("GET", "/_ping"), ("GET", f"/containers/{first}/json"),
             ("GET", f"/containers/{first}/logs?stdout=1&tail=1"), ("GET", "/networks"),
             ("POST", "/containers/create"), ("POST", f"/containers/{first}/exec"),
             ("POST", f"/containers/{first}/stop"), ("GET", f"/containers/{first}/archive?path=/"),
             ("GET", "/images/json"), ("GET", "/secrets"), ("GET", "/services"),
             ("GET", "/events"), ("DELETE", f"/containers/{first}")]:
    print(m, p.split("?")[0].replace(first, "ID"), ask(m, p)[0])`;
      const r = await eventually(
        "the node proxy's socket answers",
        async () => {
          const res = await lab.driver
            .engine(node)
            .containers.exec(client.id, ["python3", "-c", code]);
          return res.code === 0 ? res : undefined;
        },
        30_000,
      );
      const [list, ...rest] = r.stdout.trim().split("\n");
      const [listStatus, count] = (list ?? "").split(" ").map(Number);
      expect(listStatus).toBe(200);
      // The node runs the lab's tasks and these two containers.
      expect(count).toBeGreaterThan(2);
      expect(rest).toEqual([
        "GET /_ping 200",
        "GET /containers/ID/json 200",
        "GET /containers/ID/logs 200",
        "GET /networks 200",
        "POST /containers/create 403",
        "POST /containers/ID/exec 403",
        "POST /containers/ID/stop 403",
        "GET /containers/ID/archive 403",
        "GET /images/json 403",
        "GET /secrets 403",
        "GET /services 403",
        "GET /events 403",
        "DELETE /containers/ID 403",
      ]);
    } finally {
      for (const c of [client, proxy]) await c.remove({ force: true }).catch(() => {});
      await engine
        .getVolume(volume)
        .remove()
        .catch(() => {});
    }
  }, 90_000);
});

describe("the API under abuse", () => {
  it("50 wrong logins at once: the limiter lets through no more than it promises, and the lab stays healthy", async () => {
    const who = `nobody-${Date.now()}@${lab.config.domain}`;
    const t0 = performance.now();
    const codes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        lab.http
          .send("POST", lab.url("app", "/auth/token"), {
            form: { username: who, password: `wrong-password-${i}` },
            timeoutMs: 20_000,
          })
          .then((r) => r.status),
      ),
    );
    const sentInS = (performance.now() - t0) / 1000;
    const count = (c: number) => codes.filter((x) => x === c).length;
    // Each Traefik (one per node) lets a client through at `average` a second after a burst of
    // `burst` (compose/lab.yml): over the time the 50 took, at most that many reach the app. The
    // figure depends on how fast they were answered: each wrong password the app checks costs a
    // password hash, so on a busy machine the 50 take several seconds and the bound can reach 50
    // (CI: 5.4 s, bound 58, 11 let through). The bound is then no test of the limiter; at least
    // one refusal is, at any speed: without the limiter (or with a burst over 50) none comes.
    const stack = readFileSync(join(REPO_ROOT, "compose/lab.yml"), "utf8");
    const label = (k: string) =>
      Number(new RegExp(`login-ratelimit\\.ratelimit\\.${k}: "(\\d+)"`).exec(stack)?.[1]);
    const allowed = Math.ceil(lab.nodes.length * (label("burst") + label("average") * sentInS));
    const detail = `${JSON.stringify(codes)} in ${sentInS.toFixed(2)} s, at most ${allowed} allowed`;
    expect(count(429), detail).toBeGreaterThan(0);
    expect(count(401), detail).toBeLessThanOrEqual(allowed);
    expect(count(429), detail).toBeGreaterThanOrEqual(50 - allowed);
    expect(count(429) + count(401)).toBe(50);
    await new Promise((r) => setTimeout(r, 2000));
    const ready = await lab.http.send("GET", lab.url("app", "/health/ready"));
    expect(ready.status).toBe(200);
    await expect(lab.adminHeaders()).resolves.toHaveProperty("authorization");
  });
});

describe("secrets stay secret", () => {
  /** Every generated secret and private key (a line of each key's body is enough to find it). */
  const secrets = () => {
    const p = statePaths();
    const files = readdirSync(p.secrets)
      .filter((f) => !f.endsWith(".htpasswd") && !f.endsWith(".yml"))
      .map((f) => join(p.secrets, f));
    const keys = [
      p.caKey,
      p.tlsKey,
      p.pgbackrestKey,
      p.etcdKey,
      p.etcdClientKey,
      p.postgresKey,
      p.engineKey,
    ];
    return [
      ...files.map((f) => ({ name: f, value: readFileSync(f, "utf8").trim() })),
      ...keys.map((f) => ({ name: f, value: readFileSync(f, "utf8").split("\n")[1] ?? "" })),
    ].filter((s) => s.value.length >= 16);
  };

  it("appear in no container's environment or labels, no service spec, no image history", async () => {
    const all = secrets();
    expect(all.length).toBeGreaterThanOrEqual(15);
    const leaks: string[] = [];
    const look = (where: string, text: string) => {
      for (const s of all) if (text.includes(s.value)) leaks.push(`${s.name} in ${where}`);
    };
    let containers = 0;
    let images = 0;
    for (const node of lab.nodes.filter((n) => n.running)) {
      const engine = nodeDocker(node);
      for (const c of await engine.listContainers({ all: true })) {
        const info = await engine.getContainer(c.Id).inspect();
        look(
          `${node.name}/${c.Names[0]}`,
          JSON.stringify([
            info.Config.Env,
            info.Config.Labels,
            info.Config.Cmd,
            info.Config.Entrypoint,
            info.Args,
          ]),
        );
        containers++;
      }
      for (const img of await engine.listImages()) {
        look(
          `${node.name}/${img.RepoTags?.[0] ?? img.Id} history`,
          JSON.stringify(await engine.getImage(img.Id).history()),
        );
        images++;
      }
    }
    for (const svc of await lab.manager().services.list())
      look(`service ${svc.Spec?.Name}`, JSON.stringify(svc.Spec));
    expect(containers).toBeGreaterThan(20);
    expect(images).toBeGreaterThan(5);
    expect(leaks).toEqual([]);
  });

  it("appear in none of the logs the lab shipped (and the search does find what is there)", async () => {
    const marker = `secret-scan-${Date.now()}`;
    await lab.http.send("GET", lab.url("app", "/health/live"), {
      headers: { "x-request-id": marker },
    });
    // POSTed, so the query (a secret) is not in a URL that Traefik's access log would ship; lines
    // of earlier searches (GET) are left out.
    const hits = async (text: string) => {
      const re = JSON.stringify(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      const q = `_msg:~${re} -"/select/logsql/query" | limit 5`;
      const { user, password } = dashboardCredentials();
      const res = await lab.http.send("POST", lab.url("logs", "/select/logsql/query"), {
        form: { query: q },
        headers: { authorization: basicAuth(user, password) },
        timeoutMs: 30_000,
      });
      expect(res.status).toBe(200);
      return res.body.split("\n").filter((l) => l.trim()).length;
    };
    expect(await hits(`not-in-any-log-${Date.now()}`)).toBe(0);
    await eventually(
      "the marker request in the shipped logs",
      async () => ((await hits(marker)) > 0 ? true : undefined),
      60_000,
    );
    const leaks: string[] = [];
    for (const s of secrets()) if ((await hits(s.value)) > 0) leaks.push(s.name);
    expect(leaks).toEqual([]);
  });
});
