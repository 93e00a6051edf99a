import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replicasOf } from "../../lab/alerts/remediation.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { eventually, theLab } from "../support/lab.js";

let lab: RunningLab;
let admin: Record<string, string>;
beforeAll(async () => {
  lab = await theLab();
  admin = await lab.adminHeaders();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

const json = (body: string) => JSON.parse(body);

describe("the app through Traefik", () => {
  it("creates a user and finds it by search", async () => {
    const email = `lab-${randomUUID()}@example.org`;
    const created = await lab.http.send("POST", lab.url("app", "/users"), {
      body: { email, full_name: "Lab Test" },
      headers: admin,
    });
    expect(created.status).toBe(201);
    const id = json(created.body).id as number;
    expect(
      json((await lab.http.send("GET", lab.url("app", `/users/${id}`), { headers: admin })).body)
        .email,
    ).toBe(email);
    const found = json(
      (
        await lab.http.send("GET", lab.url("app", `/users?q=${encodeURIComponent(email)}`), {
          headers: admin,
        })
      ).body,
    );
    expect(found.items.map((u: { email: string }) => u.email)).toEqual([email]);
  });

  it("a write sent again with its Idempotency-Key, to any replica, replays the first answer", async () => {
    const email = `idem-${randomUUID()}@example.org`;
    const headers = { ...admin, "Idempotency-Key": randomUUID() };
    // Three replicas behind Traefik: the sends land on different tasks, one database decides.
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(
        await lab.http.send("POST", lab.url("app", "/users"), { body: { email }, headers }),
      );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201]);
    expect(answers.map((a) => a.headers["idempotent-replayed"])).toEqual([
      undefined,
      "true",
      "true",
      "true",
    ]);
    expect(new Set(answers.map((a) => json(a.body).id)).size).toBe(1);
    const found = await lab.http.send(
      "GET",
      lab.url("app", `/users?q=${encodeURIComponent(email)}`),
      {
        headers: admin,
      },
    );
    expect(json(found.body).total).toBe(1);
    const other = await lab.http.send("POST", lab.url("app", "/users"), {
      body: { email: `other-${email}` },
      headers,
    });
    expect(other.status).toBe(422);
  });

  it("refuses anonymous reads and non-admin writes", async () => {
    expect((await lab.http.send("GET", lab.url("app", "/users"))).status).toBe(401);
    const email = `user-${randomUUID()}@example.org`;
    const password = `pw-${randomUUID()}`;
    await lab.http.send("POST", lab.url("app", "/users"), {
      body: { email, password },
      headers: admin,
    });
    const login = await lab.http.send("POST", lab.url("app", "/auth/token"), {
      form: { username: email, password },
    });
    expect(login.status).toBe(200);
    const user = { authorization: `Bearer ${json(login.body).access_token}` };
    expect(
      (await lab.http.send("GET", lab.url("app", "/users?limit=1"), { headers: user })).status,
    ).toBe(200);
    expect(
      (
        await lab.http.send("POST", lab.url("app", "/users"), {
          body: { email: `x${email}` },
          headers: user,
        })
      ).status,
    ).toBe(403);
  });

  it("answers bad input with 4xx, never 5xx", async () => {
    const dup = `dup-${randomUUID()}@example.org`;
    const post = (body: unknown) =>
      lab.http.send("POST", lab.url("app", "/users"), { body, headers: admin });
    expect((await post({ email: dup })).status).toBe(201);
    expect((await post({ email: dup })).status).toBe(409);
    expect((await post({ email: "nope" })).status).toBe(422);
    expect(
      (await lab.http.send("GET", lab.url("app", "/users?limit=-1"), { headers: admin })).status,
    ).toBe(422);
    expect(
      (await lab.http.send("GET", lab.url("app", "/users/999999999"), { headers: admin })).status,
    ).toBe(404);
    const huge = await lab.http.send("POST", lab.url("app", "/users/import"), {
      body: "x".repeat(2_000_000),
      headers: admin,
    });
    expect(huge.status).toBe(413);
  });

  it("imports a CSV all-or-nothing and exports it back", async () => {
    const tag = randomUUID().slice(0, 8);
    const csv = `email,full_name\na-${tag}@example.org,A\nb-${tag}@example.org,B\n`;
    const send = (body: string) =>
      lab.http.send("POST", lab.url("app", "/users/import"), {
        headers: { ...admin, "content-type": "text/csv" },
        raw: body,
      });
    const bad = await send(`${csv}not-an-email,C\n`);
    expect(bad.status).toBe(422);
    expect(json(bad.body).errors).toEqual([expect.objectContaining({ row: 3, field: "email" })]);
    const good = await send(csv);
    expect(good.status).toBe(201);
    expect(json(good.body).created).toBe(2);
    const exported = await lab.http.send(
      "GET",
      lab.url("app", `/users/export.csv?q=${tag}&sort=email`),
      { headers: admin },
    );
    expect(
      exported.body
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(",")[1]),
    ).toEqual([`a-${tag}@example.org`, `b-${tag}@example.org`]);
  });

  it("spreads requests over replicas on at least two nodes", async () => {
    // What Swarm runs once settled: the remediator may have just scaled the app within its bounds.
    const running = await eventually(
      "every desired app task running",
      async () => {
        const tasks = (await lab.manager().services.tasks({
          service: [`${lab.config.name}_app`],
          "desired-state": ["running"],
        })) as Array<{ NodeID: string; Status: { State: string } }>;
        const up = tasks.filter((t) => t.Status.State === "running");
        return up.length === (await replicasOf(lab, "app")) ? up : undefined;
      },
      90_000,
    );
    expect(new Set(running.map((t) => t.NodeID)).size).toBeGreaterThanOrEqual(
      Math.min(2, lab.config.nodes),
    );
  });
});
