/** Backups for real: the scheduled one, one on demand, refusals, and a point-in-time restore. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promQuery } from "../../lab/alerts/prometheus.js";
import { memberEngine, onMemberVolume, sqlOnLeader } from "../../lab/backup/members.js";
import { ASIDE } from "../../lab/backup/restore.js";
import { leaderOf, patroniCluster } from "../../lab/database/patroni.js";
import type { RunningLab } from "../../lab/running/lab.js";
import { scaleService } from "../../lab/swarm/steer.js";
import { cli, spawnCli } from "../support/cli.js";
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

interface Listing {
  backups: Array<{ label: string; type: string; ageS: number; repoBytes: number }>;
  lastArchivedAt: string | null;
}

const listing = async (): Promise<Listing> => {
  const r = await cli(["backups", "-o", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Listing;
};

async function leader() {
  const l = leaderOf(await patroniCluster(lab));
  if (!l) throw new Error("no leader");
  return l;
}

const prom = (query: string) => promQuery(lab, query);

async function createUsers(tag: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await lab.http.send("POST", lab.url("app", "/users"), {
      body: { email: `${tag}-${i}@example.org` },
      headers: await lab.adminHeaders(),
    });
    expect(res.status).toBe(201);
    ids.push(JSON.parse(res.body).id);
  }
  return ids;
}

async function emails(tag: string): Promise<string[]> {
  const res = await lab.http.send("GET", lab.url("app", `/users?q=${tag}&limit=100`), {
    headers: await lab.adminHeaders(),
  });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body).items as Array<{ email: string }>).map((u) => u.email).sort();
}

describe("backups", { timeout: 300_000 }, () => {
  it("the backup service has taken a full backup, and Prometheus scrapes its metrics", async () => {
    await eventually("a full backup listed", async () =>
      (await listing()).backups.some((b) => b.type === "full") ? true : undefined,
    );
    await eventually(
      "backup and archiver metrics in Prometheus",
      async () => {
        const last = await prom('lab_backup_last_success_timestamp_seconds{type="any"} > 0');
        const archiver = await prom("lab_wal_archiver_up == 1");
        return last.length === 1 && archiver.length === 1 ? true : undefined;
      },
      90_000,
    );
    const age = await prom('time() - lab_backup_last_success_timestamp_seconds{type="any"}');
    expect(Number(age[0]?.value[1])).toBeLessThan(3600);
  });

  it("lab:backup takes a differential backup, lab:backups lists it with age and size", async () => {
    const r = await cli(["backup", "--type", "diff", "-o", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const made = JSON.parse(r.stdout) as { label: string; type: string };
    expect(made.type).toBe("diff");
    const listed = (await listing()).backups.find((b) => b.label === made.label);
    expect(listed?.ageS).toBeLessThan(120);
    expect(listed?.repoBytes).toBeGreaterThan(0);
  });

  it("refuses a time outside the recoverable window, and touches nothing", async () => {
    const before = await leader();
    const early = await cli(["restore", "--to", "2000-01-01T00:00:00Z"]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/before the oldest backup ended.*choose a time between/s);
    const late = await cli(["restore", "--to", "2099-01-01T00:00:00Z"]);
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/after the newest archived WAL/);
    const after = await leader();
    expect([after.name, after.timeline, after.container]).toEqual([
      before.name,
      before.timeline,
      before.container,
    ]);
  });

  it("with the repository unreachable, backup and restore refuse and the database is untouched", async () => {
    const before = await leader();
    const service = `${lab.config.name}_backup`;
    await scaleService(lab.manager(), service, 0);
    try {
      await eventually("backup service stopped", async () =>
        (await cli(["backups"])).code === 5 ? true : undefined,
      );
      const backup = await cli(["backup"]);
      expect(backup.code).toBe(5);
      expect(backup.stderr).toMatch(/backup repository is unreachable.*npm run lab:up/s);
      const restore = await cli(["restore", "--latest"]);
      expect(restore.code).toBe(5);
      expect(restore.stderr).toMatch(/backup repository is unreachable/);
      const after = await leader();
      expect([after.name, after.container]).toEqual([before.name, before.container]);
    } finally {
      await scaleService(lab.manager(), service, 1);
    }
    await eventually("backup service back", async () =>
      (await cli(["backups"])).code === 0 ? true : undefined,
    );
  });

  it("WAL archiving that fails raises WalArchiveFailing; archiving resumes after the fault", async () => {
    // The fault: pgBackRest's stop file on the primary makes every archive-push fail.
    const primary = await leader();
    const { engine } = memberEngine(lab, primary.name);
    const pgbackrest = (cmd: string) =>
      engine.containers.exec(primary.container, ["pgbackrest", "--stanza=main", cmd], "postgres");
    expect((await pgbackrest("stop")).code).toBe(0);
    try {
      await sqlOnLeader(lab, "SELECT txid_current()");
      await sqlOnLeader(lab, "SELECT pg_switch_wal()");
      const alert = await eventually(
        "WalArchiveFailing pending or firing",
        async () => {
          const a = await prom('ALERTS{alertname="WalArchiveFailing"}');
          return a.length > 0 ? a : undefined;
        },
        90_000,
      );
      expect(alert.length).toBe(1);
    } finally {
      expect((await pgbackrest("start")).code).toBe(0);
    }
    await sqlOnLeader(lab, "SELECT txid_current()");
    await sqlOnLeader(lab, "SELECT pg_switch_wal()");
    await eventually(
      "archiving resumed (last archived after last failed) and the alert gone",
      async () => {
        const ok = await prom(
          "lab_wal_last_archived_timestamp_seconds > lab_wal_last_failed_timestamp_seconds",
        );
        const alert = await prom('ALERTS{alertname="WalArchiveFailing"}');
        return ok.length === 1 && alert.length === 0 ? true : undefined;
      },
      90_000,
    );
  });

  it("point-in-time restore: rows deleted after the target time come back", async () => {
    const tag = `pitr-${randomUUID().slice(0, 8)}`;
    const ids = await createUsers(tag, 3);
    await new Promise((r) => setTimeout(r, 1500));
    const target = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await new Promise((r) => setTimeout(r, 1500));
    // A full backup after the target: the restore uses an older one, which the retention
    // (backup.retentionFull, 2) would expire when the restore takes its own new full backup.
    const full = await cli(["backup", "--type", "full"]);
    expect(full.code, full.stderr).toBe(0);
    for (const id of ids) {
      const res = await lab.http.send("DELETE", lab.url("app", `/users/${id}`), { headers: admin });
      expect(res.status).toBe(204);
    }
    expect(await emails(tag)).toEqual([]);
    const timelineBefore = (await leader()).timeline ?? 0;
    const r = await cli(["restore", "--to", target, "-o", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      primaryRestoredS: number;
      replicaRebuiltS: number;
      backup: string;
    };
    expect(result.primaryRestoredS).toBeGreaterThan(0);
    expect(result.replicaRebuiltS).toBeGreaterThan(0);
    const back = await eventually("the deleted rows back through the API", async () => {
      const found = await emails(tag);
      return found.length === 3 ? found : undefined;
    });
    expect(back).toEqual([0, 1, 2].map((i) => `${tag}-${i}@example.org`));
    expect((await leader()).timeline ?? 0).toBeGreaterThan(timelineBefore);
    // Writes work on the restored cluster, and a new full backup was taken after it.
    await createUsers(`${tag}-after`, 1);
    const after = await listing();
    expect(after.backups.at(-1)?.type).toBe("full");
    // ...and the backup it restored from is still there
    expect(after.backups.map((b) => b.label)).toContain(result.backup);
    expect(after.backups.filter((b) => b.type === "full").length).toBeGreaterThanOrEqual(3);
  });
  it("an interrupted restore: killed once the data is set aside, lab:up brings every row back, a second restore ends it and removes what was set aside", async () => {
    const tag = `interrupted-${randomUUID().slice(0, 8)}`;
    await createUsers(tag, 3);
    const expected = [0, 1, 2].map((i) => `${tag}-${i}@example.org`);
    const restore = spawnCli(["restore", "--latest"]);
    const reached = await restore.until("data set aside", 240_000);
    restore.child.kill("SIGKILL");
    await restore.exited;
    const out = restore.output();
    expect(reached, out).toBe(true);
    expect(out).not.toContain("restored and promoted");
    // Stopped where a power cut would: data set aside, pg2 forbidden to bootstrap, pg1 marked.
    const files = async (m: string) => (await onMemberVolume(lab, m, "ls -a /data")).split(/\s+/);
    expect(await files("pg1")).toEqual(expect.arrayContaining([ASIDE, "restore-target"]));
    expect(await files("pg1")).not.toContain("pgdata");
    expect(await files("pg2")).toEqual(expect.arrayContaining([ASIDE, "no-bootstrap"]));
    // lab:up starts the members again: pg1 restores, pg2 joins it; no new, empty cluster.
    const up = await cli(["up"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout + up.stderr).toMatch(/holds \d+ backups of this database/);
    const back = await eventually("the rows back through the API", async () => {
      const found = await emails(tag);
      return found.length === 3 ? found : undefined;
    });
    expect(back).toEqual(expected);
    // A second restore ends it: the data set aside goes only now.
    const again = await cli(["restore", "--latest", "-o", "json"]);
    expect(again.code, again.stderr).toBe(0);
    for (const m of ["pg1", "pg2"]) {
      const left = await files(m);
      expect(left).not.toContain(ASIDE);
      expect(left).not.toContain("no-bootstrap");
      expect(left).not.toContain("restore-target");
    }
    expect(
      await eventually("the rows after the second restore", async () => {
        const found = await emails(tag);
        return found.length === 3 ? found : undefined;
      }),
    ).toEqual(expected);
  }, 900_000);
});
