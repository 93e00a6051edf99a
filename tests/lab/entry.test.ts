import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningLab } from "../../lab/running/lab.js";
import { dashboardCredentials, readCa } from "../../lab/state/secrets.js";
import { dashboardAuth, theLab } from "../support/lab.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

function handshake(opts: {
  servername: string;
  minVersion?: "TLSv1" | "TLSv1.2";
  maxVersion?: "TLSv1.1" | "TLSv1.3";
}) {
  return new Promise<string>((resolve, reject) => {
    const socket = tlsConnect({
      host: lab.config.bind,
      port: lab.config.ports.https,
      ca: readCa(),
      servername: opts.servername,
      minVersion: opts.minVersion ?? "TLSv1.2",
      maxVersion: opts.maxVersion ?? "TLSv1.3",
      // Let this client offer TLS 1.0/1.1 at all: the point is what the server accepts.
      ciphers: "DEFAULT@SECLEVEL=0",
    });
    socket.once("secureConnect", () => {
      resolve(socket.getProtocol() ?? "");
      socket.end();
    });
    socket.once("error", reject);
  });
}

describe("the entry point (Traefik behind the edge)", () => {
  it("serves the app over HTTPS with a certificate from the lab CA", async () => {
    const res = await lab.http.send("GET", lab.url("app", "/health/ready"));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "ok", database: "ok" });
    expect(await handshake({ servername: `app.${lab.config.domain}` })).toMatch(/^TLSv1\.[23]$/);
  });

  it("refuses TLS below 1.2", async () => {
    await expect(
      handshake({
        servername: `app.${lab.config.domain}`,
        minVersion: "TLSv1",
        maxVersion: "TLSv1.1",
      }),
    ).rejects.toThrow();
  });

  it("redirects HTTP to HTTPS permanently", async () => {
    const res = await lab.http.send(
      "GET",
      lab.http.url(`app.${lab.config.domain}`, "/users?limit=1", "http"),
    );
    expect([301, 308]).toContain(res.status);
    expect(res.headers.location).toBe(lab.url("app", "/users?limit=1"));
  });

  it("adds security headers and a request id", async () => {
    const res = await lab.http.send("GET", lab.url("app", "/health/live"), {
      headers: { "x-request-id": "lab-test-1" },
    });
    expect(res.headers["strict-transport-security"]).toMatch(/max-age=31536000/);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["x-request-id"]).toBe("lab-test-1");
  });

  it("keeps the Traefik dashboard and Prometheus behind authentication", async () => {
    const { user, password } = dashboardCredentials();
    for (const url of [
      lab.url("traefik", "/dashboard/"),
      lab.url("traefik", "/api/overview"),
      lab.url("prometheus", "/api/v1/status/buildinfo"),
    ]) {
      expect((await lab.http.send("GET", url)).status, url).toBe(401);
      expect(
        (
          await lab.http.send("GET", url, {
            headers: { authorization: dashboardAuth(user, "wrong") },
          })
        ).status,
        url,
      ).toBe(401);
      expect(
        (
          await lab.http.send("GET", url, {
            headers: { authorization: dashboardAuth(user, password) },
          })
        ).status,
        url,
      ).toBe(200);
    }
  });

  it("answers 404 for a name it does not route", async () => {
    const res = await lab.http.send("GET", lab.http.url(`nothing.${lab.config.domain}`, "/"));
    expect(res.status).toBe(404);
  });
});
