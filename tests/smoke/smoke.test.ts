/**
 * `npm run test:smoke`'s checks, on the lab scripts/smoke.ts brought up: the TLS entry, an API
 * round trip with a login, one drill under load with the ledger check. Minutes, not the full
 * tiers (those stay in .ci/run).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningLab } from "../../lab/running/lab.js";
import { appReplicaCrash } from "../support/drill.js";
import { theLab } from "../support/lab.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

describe("smoke", () => {
  it("the entry: HTTPS with a certificate of the lab CA (the only one trusted), HTTP redirected", async () => {
    const ready = await lab.http.send("GET", lab.url("app", "/health/ready"));
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: "ok", database: "ok" });
    const plain = await lab.http.send(
      "GET",
      lab.http.url(`app.${lab.config.domain}`, "/health/live", "http"),
    );
    expect([301, 308]).toContain(plain.status);
    expect(plain.headers.location).toBe(lab.url("app", "/health/live"));
  });

  it("an API round trip with a login: a token, a user created, read back, refused without it", async () => {
    const admin = await lab.adminHeaders();
    const email = `smoke-${randomUUID()}@example.org`;
    const created = await lab.http.send("POST", lab.url("app", "/users"), {
      body: { email, full_name: "Smoke Test" },
      headers: admin,
    });
    expect(created.status, created.body).toBe(201);
    const id = JSON.parse(created.body).id as number;
    const read = await lab.http.send("GET", lab.url("app", `/users/${id}`), { headers: admin });
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body).email).toBe(email);
    expect((await lab.http.send("GET", lab.url("app", `/users/${id}`))).status).toBe(401);
  });

  it("a drill under load (app-replica, crash): task replaced, every acknowledged write kept", async () => {
    const run = await appReplicaCrash(lab);
    expect(run.checks.filter((c) => !c.ok)).toEqual([]);
    expect(run.measures.acknowledgedWrites as number).toBeGreaterThan(100);
    expect(run.measures.lostWrites).toBe(0);
  });
});
