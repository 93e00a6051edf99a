/**
 * Safe on a shared machine: node engines answer only mutual TLS with the lab's client certificate
 * (which only root can read), from the host and from inside a task; the lab CA cannot vouch for
 * another site.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningLab } from "../../lab/core/running.js";
import { NODE_API_PORT } from "../../lab/drivers/dind/driver.js";
import { issueCert } from "../../lab/state/ca.js";
import { statePaths } from "../../lab/state/paths.js";
import { engineEnv } from "../../lab/state/tls.js";
import { pythonIn, theLab } from "../support/lab.js";

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
