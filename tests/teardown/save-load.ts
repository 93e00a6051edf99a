/**
 * Round trip of lab:save and lab:load: the lab's state and Prometheus history survive a
 * `down` and the loss of the state folder, and the database comes back from the backup
 * repository `down` kept. Imported by down.test.ts, so it runs before the final down (test files
 * may run in any order, tests in a file run in order).
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { sqlOnLeader } from "../../lab/backup/members.js";
import { loadConfig } from "../../lab/config/load.js";
import { connectLab } from "../../lab/running/lab.js";
import { statePaths } from "../../lab/state/paths.js";
import { dashboardCredentials } from "../../lab/state/secrets.js";
import { cli } from "../support/cli.js";
import { dashboardAuth, eventually } from "../support/lab.js";

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

async function promCountAt(at: number): Promise<number> {
  await using lab = await connectLab(loadConfig(process.env.LAB_CONFIG, {}));
  const { user, password } = dashboardCredentials();
  const res = await lab.http.send(
    "GET",
    lab.url("prometheus", `/api/v1/query?query=count(up)&time=${at}`),
    { headers: { authorization: dashboardAuth(user, password) } },
  );
  if (res.status !== 200) throw new Error(`Prometheus: HTTP ${res.status}`);
  const result = JSON.parse(res.body).data.result as Array<{ value: [number, string] }>;
  return Number(result[0]?.value[1] ?? 0);
}

/** Every user, row by row: their count and a digest of (id, email, full name) in id order. */
async function usersDigest(): Promise<{ count: number; digest: string }> {
  await using lab = await connectLab(loadConfig(process.env.LAB_CONFIG, {}));
  const out = await sqlOnLeader(
    lab,
    "SELECT count(*) || ' ' || coalesce(md5(string_agg(id || ':' || email || ':' || coalesce(full_name, ''), ',' ORDER BY id)), '') FROM users",
  );
  const [count, digest] = out.trim().split(" ");
  return { count: Number(count), digest: digest ?? "" };
}

/** Users created through the API just before the save: the newest WAL, not only a backup. */
async function createUsers(n: number): Promise<string[]> {
  await using lab = await connectLab(loadConfig(process.env.LAB_CONFIG, {}));
  const headers = await lab.adminHeaders();
  const emails: string[] = [];
  for (let i = 0; i < n; i++) {
    const email = `roundtrip-${randomUUID()}@example.org`;
    const res = await lab.http.send("POST", lab.url("app", "/users"), {
      body: { email, full_name: `Round trip ${i}` },
      headers,
    });
    expect(res.status, res.body).toBe(201);
    emails.push(email);
  }
  return emails;
}

async function usersWithEmails(emails: string[]): Promise<number> {
  await using lab = await connectLab(loadConfig(process.env.LAB_CONFIG, {}));
  const list = emails.map((e) => `'${e}'`).join(",");
  return Number(
    (await sqlOnLeader(lab, `SELECT count(*) FROM users WHERE email IN (${list})`)).trim(),
  );
}

export function saveLoadRoundTrip(): void {
  it("lab:save, lab:down, lose the state folder, lab:load: same CA, secrets and Prometheus history", async () => {
    const p = statePaths();
    const ca = sha(p.caCert);
    const dashboard = readFileSync(p.dashboardPassword, "utf8");
    const before = Math.floor(Date.now() / 1000) - 20;
    const seriesBefore = await promCountAt(before);
    expect(seriesBefore).toBeGreaterThan(0);
    const created = await createUsers(5);
    const users = await usersDigest();
    expect(users.count).toBeGreaterThanOrEqual(created.length);
    const file = join(tmpdir(), `swarm-lab-roundtrip-${Date.now()}.tar.gz`);
    const aside = `${p.dir}.roundtrip-aside`;
    try {
      const saved = await cli(["save", file, "-o", "json"]);
      expect(saved.code, saved.stderr).toBe(0);
      expect(JSON.parse(saved.stdout).volumes).toEqual(["promdata"]);
      const down = await cli(["down", "--keep-images"]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toMatch(/kept \S+-backups/);
      rmSync(aside, { recursive: true, force: true });
      renameSync(p.dir, aside);
      const loaded = await cli(["load", file, "-o", "json"]);
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(sha(p.caCert)).toBe(ca);
      expect(readFileSync(p.dashboardPassword, "utf8")).toBe(dashboard);
      // The history from before the save is there, queried through the dashboard login.
      const series = await eventually("Prometheus answers with its old data", async () => {
        const n = await promCountAt(before);
        return n > 0 ? n : undefined;
      });
      expect(series).toBe(seriesBefore);
      // The database: restored by the load from the kept repository, every row as it was.
      expect(loaded.stderr + loaded.stdout).toMatch(/restored from \S+-backups/);
      expect(await usersWithEmails(created)).toBe(created.length);
      expect(await usersDigest()).toEqual(users);
    } finally {
      rmSync(file, { force: true });
      if (!existsSync(p.dir) && existsSync(aside)) renameSync(aside, p.dir);
      rmSync(aside, { recursive: true, force: true });
    }
  }, 900_000);
}
