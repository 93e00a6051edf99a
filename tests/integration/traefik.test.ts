/**
 * The Traefik image alone, with the lab's static and dynamic configuration and a certificate from
 * a CA of the lab's shape: it loads both files (ping answers on the metrics entry point), presents
 * the lab certificate on 443 for the lab's names, redirects plain HTTP to HTTPS, and keeps running
 * while its Swarm provider (docker-ro, absent here) does not answer.
 */
import { request } from "node:http";
import { connect, type PeerCertificate } from "node:tls";
import type { StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOMAIN, startTraefik, traefikConfig } from "./support.js";

let traefik: StartedTestContainer;
let ca: string;

beforeAll(async () => {
  ({ traefik, ca } = await startTraefik(traefikConfig("dynamic.yml"), [443, 80]));
}, 120_000);

afterAll(async () => {
  await traefik?.stop().catch(() => {});
});

function handshake(servername: string): Promise<{ authorized: boolean; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: traefik.getHost(), port: traefik.getMappedPort(443), servername, ca },
      () => {
        resolve({ authorized: socket.authorized, cert: socket.getPeerCertificate() });
        socket.end();
      },
    );
    socket.setTimeout(10_000, () => socket.destroy(new Error("TLS handshake timed out")));
    socket.on("error", reject);
  });
}

describe("the Traefik image with the lab's configuration", () => {
  it("presents the lab certificate for the lab's names, trusted through the lab CA alone", async () => {
    for (const name of [`app.${DOMAIN}`, `grafana.${DOMAIN}`]) {
      const { authorized, cert } = await handshake(name);
      expect(authorized, name).toBe(true);
      expect(cert.subjectaltname).toContain(`DNS:${name}`);
    }
  });

  it("redirects plain HTTP to HTTPS, permanently", async () => {
    const res = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
      const req = request(
        {
          host: traefik.getHost(),
          port: traefik.getMappedPort(80),
          path: "/health/live",
          headers: { host: `app.${DOMAIN}` },
        },
        (r) => {
          r.resume();
          resolve({ status: r.statusCode, location: r.headers.location });
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect([301, 308]).toContain(res.status);
    expect(res.location).toBe(`https://app.${DOMAIN}/health/live`);
  });

  it("keeps serving while its Swarm provider's proxy does not answer, and says so in its log", async () => {
    const ping = await fetch(`http://${traefik.getHost()}:${traefik.getMappedPort(8082)}/ping`);
    expect(ping.status).toBe(200);
    const logs = await new Promise<string>((resolve) => {
      let out = "";
      traefik.logs({ tail: 200 }).then((s) => {
        s.on("data", (d) => (out += d));
        setTimeout(() => {
          s.destroy();
          resolve(out);
        }, 1000);
      });
    });
    expect(logs).toMatch(/docker-ro/);
  });
});
