import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningLab } from "../../lab/core/running.js";
import { theLab } from "../support/lab.js";

let lab: RunningLab;
beforeAll(async () => {
  lab = await theLab();
});
afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

describe("the app through Traefik", () => {
  it("creates a user and finds it in the list", async () => {
    const email = `lab-${randomUUID()}@example.org`;
    const created = await lab.http.send("POST", lab.url("app", "/users"), { body: { email } });
    expect(created.status).toBe(201);
    const id = JSON.parse(created.body).id as number;
    const one = await lab.http.send("GET", lab.url("app", `/users/${id}`));
    expect(JSON.parse(one.body).email).toBe(email);
    const total = JSON.parse((await lab.http.send("GET", lab.url("app", "/users?limit=1"))).body)
      .total as number;
    const last = JSON.parse(
      (await lab.http.send("GET", lab.url("app", `/users?limit=1&offset=${total - 1}`))).body,
    );
    expect(last.items.map((u: { email: string }) => u.email)).toContain(email);
  });

  it("answers bad input with 4xx, never 5xx", async () => {
    const dup = `dup-${randomUUID()}@example.org`;
    expect(
      (await lab.http.send("POST", lab.url("app", "/users"), { body: { email: dup } })).status,
    ).toBe(201);
    expect(
      (await lab.http.send("POST", lab.url("app", "/users"), { body: { email: dup } })).status,
    ).toBe(409);
    expect(
      (await lab.http.send("POST", lab.url("app", "/users"), { body: { email: "nope" } })).status,
    ).toBe(422);
    expect((await lab.http.send("GET", lab.url("app", "/users?limit=-1"))).status).toBe(422);
    expect((await lab.http.send("GET", lab.url("app", "/users/0"))).status).toBe(404);
  });

  it("spreads requests over replicas on at least two nodes", async () => {
    const tasks = (await lab.manager().listTasks({
      filters: { service: [`${lab.config.name}_app`], "desired-state": ["running"] },
    })) as Array<{ NodeID: string; Status: { State: string } }>;
    const running = tasks.filter((t) => t.Status.State === "running");
    expect(running).toHaveLength(lab.config.app.replicas);
    expect(new Set(running.map((t) => t.NodeID)).size).toBeGreaterThanOrEqual(
      Math.min(2, lab.config.nodes),
    );
  });
});
