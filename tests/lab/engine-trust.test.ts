/**
 * One key opens the engines: every certificate a task holds, with its key, tried against every
 * node engine (2376), is refused by the TLS handshake; only the lab CLI's engine client (from the
 * engine CA) is let in. Tried from inside the task where it has Python (pg1, pg2, backup: the
 * attacker's own path, through the node's gateway); for tasks without Python (etcd, Traefik) the
 * files are read from inside the task and presented from this machine, which reaches the same
 * port: the engine decides by the certificate, not by where it comes from.
 */
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_API_PORT } from "../../lab/drivers/dind/driver.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { engineClientTls } from "../../lab/state/tls.js";
import { execInTask, pythonIn, theLab } from "../support/lab.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

/** The engine's verdict on a client certificate: "answered <status line>" or "refused <why>". */
function tryEngine(address: string, cert: string, key: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port: NODE_API_PORT, cert, key, rejectUnauthorized: false });
    let data = "";
    s.setTimeout(10_000, () => s.destroy(new Error("timeout")));
    s.on("secureConnect", () => s.write("GET /info HTTP/1.0\r\n\r\n"));
    s.on("data", (d) => (data += d));
    s.on("end", () => resolve(data ? `answered ${data.split("\r\n")[0]}` : "refused closed"));
    s.on("error", (e) =>
      resolve(data ? `answered ${data.split("\r\n")[0]}` : `refused ${e.message}`),
    );
  });
}

/** Every (certificate, its key) pair in /run/secrets, each tried against each address. */
const PROBE = (addresses: string[]) => `import glob, socket, ssl
files = {}
for p in sorted(glob.glob("/run/secrets/*")):
    try:
        files[p] = open(p).read()
    except OSError:
        pass
certs = [p for p, t in files.items() if "BEGIN CERTIFICATE" in t]
keys = [p for p, t in files.items() if "PRIVATE KEY" in t]
for c in certs:
    for k in keys:
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        try:
            ctx.load_cert_chain(c, k)
        except Exception:
            continue  # not a pair
        for a in ${JSON.stringify(addresses)}:
            try:
                s = ctx.wrap_socket(socket.create_connection((a, ${NODE_API_PORT}), timeout=5))
                s.sendall(b"GET /info HTTP/1.0\\r\\n\\r\\n")
                data = s.recv(200)
                out = ("answered " + data.decode(errors="replace").split("\\r\\n")[0]) if data else "refused closed"
            except Exception as e:
                out = "refused " + type(e).__name__ + " " + str(e)[:60]
            print(c.split("/")[-1] + " -> " + a + ": " + out)`;

/** A TLS-level refusal: the engine ended the handshake (not a timeout, not a closed port). */
const HANDSHAKE_REFUSED =
  /^refused (SSLError|SSLEOFError|ConnectionResetError|closed|.*(certificate|alert|socket hang up|ECONNRESET))/i;

describe("one key opens the engines", () => {
  it("the lab's engine client (engine CA) is let in by every node: the probe can answer", async () => {
    const own = engineClientTls();
    const nodes = lab.nodes.filter((n) => n.running);
    expect(nodes.length).toBeGreaterThan(0);
    for (const n of nodes)
      expect(await tryEngine(n.address, own.cert, own.key)).toMatch(/^answered HTTP\/1\.[01] 200/);
  });

  it("from inside pg1, pg2 and backup: each certificate they hold is refused by every engine", async () => {
    const addresses = lab.nodes.filter((n) => n.running).map((n) => n.address);
    const seen: string[] = [];
    for (const service of ["pg1", "pg2", "backup"]) {
      const out = await pythonIn(lab, service, PROBE(addresses));
      seen.push(
        ...out
          .split("\n")
          .filter(Boolean)
          .map((l) => `${service}: ${l}`),
      );
    }
    console.log(`engine trust matrix (inside tasks):\n${seen.join("\n")}`);
    // pg1 and pg2 hold 3 pairs (Postgres, etcd client, pgBackRest), backup 1: all of them tried.
    expect(seen.length, seen.join("\n")).toBe((3 + 3 + 1) * addresses.length);
    for (const line of seen)
      expect(line.split(": ").slice(2).join(": "), line).toMatch(HANDSHAKE_REFUSED);
  });

  it("the etcd members' and Traefik's certificates, read inside their tasks, are refused too", async () => {
    const held: Record<string, [string, string]> = {
      etcd1: ["etcd_cert", "etcd_key"],
      traefik: ["lab_tls_cert", "lab_tls_key"],
    };
    const seen: string[] = [];
    for (const [service, [certFile, keyFile]] of Object.entries(held)) {
      const read = async (f: string) => {
        const r = await execInTask(lab, service, ["cat", `/run/secrets/${f}`]);
        expect(r.code, `${service} reads ${f}: ${r.stderr}`).toBe(0);
        return r.stdout;
      };
      const [cert, key] = [await read(certFile), await read(keyFile)];
      expect(cert).toContain("BEGIN CERTIFICATE");
      for (const n of lab.nodes.filter((x) => x.running))
        seen.push(
          `${service} ${certFile} -> ${n.address}: ${await tryEngine(n.address, cert, key)}`,
        );
    }
    console.log(`engine trust matrix (files of tasks without Python):\n${seen.join("\n")}`);
    expect(seen.length).toBe(2 * lab.nodes.filter((x) => x.running).length);
    for (const line of seen)
      expect(line.split(": ").slice(1).join(": "), line).toMatch(HANDSHAKE_REFUSED);
  });
});
