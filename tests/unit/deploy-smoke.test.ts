/** The deploy's smoke test writes a user nobody can log in as, and removes it. */
import { describe, expect, it } from "vitest";
import { smoke } from "../../lab/deploy/checks.js";
import type { RunningLab } from "../../lab/running/lab.js";

interface Sent {
  method: string;
  url: string;
  body?: Record<string, unknown>;
}

/** A lab whose API answers as the app does; the requests it got are in `sent`. */
function fakeLab(sent: Sent[]): RunningLab {
  let id = 40;
  const answer = (method: string) =>
    method === "POST"
      ? { status: 201, body: JSON.stringify({ id: ++id }) }
      : method === "DELETE"
        ? { status: 204, body: "" }
        : { status: 200, body: '{"items":[]}' };
  return {
    adminHeaders: async () => ({ authorization: "Bearer t" }),
    url: (host: string, path: string) => `https://${host}.lab.localhost${path}`,
    hostname: (host: string) => `${host}.lab.localhost`,
    http: {
      send: async (method: string, url: string, opts?: { body?: Record<string, unknown> }) => {
        sent.push({ method, url, body: opts?.body });
        return answer(method);
      },
    },
  } as unknown as RunningLab;
}

describe("the deploy smoke test's user", () => {
  it("is inactive, with a password of its own each time, and is deleted", async () => {
    const sent: Sent[] = [];
    const lab = fakeLab(sent);
    expect(await smoke(lab)).toBeNull();
    expect(await smoke(lab)).toBeNull();
    const created = sent.filter((s) => s.method === "POST").map((s) => s.body ?? {});
    expect(created).toHaveLength(2);
    for (const body of created) {
      expect(body.active).toBe(false);
      expect(String(body.password).length).toBeGreaterThanOrEqual(32);
    }
    expect(created[0]?.password).not.toBe(created[1]?.password);
    expect(sent.filter((s) => s.method === "DELETE").map((s) => s.url)).toEqual([
      "https://app.lab.localhost/users/41",
      "https://app.lab.localhost/users/42",
    ]);
  });
});
