import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeManifest, manifestProblems } from "../../lab/archive/manifest.js";
import {
  chooseBackup,
  neededBytes,
  parseInfo,
  parseTargetTime,
  pgTime,
  recoveryWindow,
  restorePlan,
  restoreProblems,
} from "../../lab/backup/plan.js";
import { durationSeconds } from "../../lab/config/schema.js";
import { validateConfig } from "../../lab/config/validate.js";
import { LabError } from "../../lab/errors.js";

// Captured from `pgbackrest --stanza=main --output=json info` in the lab's backup service.
const info = readFileSync(new URL("./fixtures/pgbackrest-info.json", import.meta.url), "utf8");

describe("the repository's backups", () => {
  const backups = parseInfo(info, "main");

  it("reads every backup, oldest first, with sizes and times", () => {
    expect(backups.length).toBeGreaterThanOrEqual(2);
    expect(backups.map((b) => b.type)).toContain("full");
    for (const [a, b] of backups.slice(1).map((b, i) => [backups[i], b] as const)) {
      expect(a?.stop).toBeLessThanOrEqual(b.stop);
    }
    for (const b of backups) {
      expect(b.stop).toBeGreaterThanOrEqual(b.start);
      expect(b.repoBytes).toBeGreaterThan(0);
      expect(b.databaseBytes).toBeGreaterThan(b.repoBytes);
    }
  });

  it("an unknown stanza has no backups", () => {
    expect(parseInfo(info, "other")).toEqual([]);
  });

  it("the recoverable window runs from the oldest backup's end to the newest archived WAL", () => {
    const first = backups[0]?.stop ?? 0;
    const last = backups.at(-1)?.stop ?? 0;
    expect(recoveryWindow(backups, last + 100)).toEqual({ from: first, to: last + 100 });
    expect(recoveryWindow(backups, null)).toEqual({ from: first, to: last });
    expect(recoveryWindow([], 5)).toBeNull();
  });

  it.each([
    ["latest, WAL after the newest backup", "latest", 100, null, "last"],
    ["latest, the WAL just shipped is newer than the repository's", "latest", 10, 200, "last"],
    ["a time before the newest backup ends", "first+1", 100, null, "first"],
  ] as const)("restorePlan: %s", (_what, when, archivedAfter, flushedAfter, from) => {
    const first = backups[0]?.stop ?? 0;
    const last = backups.at(-1)?.stop ?? 0;
    const plan = restorePlan(
      {
        backups,
        archivedAt: last + archivedAfter,
        flushedAt: flushedAfter === null ? null : last + flushedAfter,
      },
      when === "latest" ? { kind: "latest" } : { kind: "time", at: first + 1 },
    );
    expect(plan.window.to).toBe(last + Math.max(archivedAfter, flushedAfter ?? 0));
    expect(plan.chosen.stop).toBeLessThanOrEqual(when === "latest" ? plan.window.to : first + 1);
    if (from === "first") expect(plan.chosen).toEqual(backups[0]);
  });

  it("restorePlan refuses an empty repository and a time outside the window (exit 2)", () => {
    const fail = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err as LabError;
      }
      throw new Error("no error");
    };
    const empty = fail(() =>
      restorePlan({ backups: [], archivedAt: null, flushedAt: null }, { kind: "latest" }),
    );
    expect(empty.exitCode).toBe(2);
    expect(empty.hint).toMatch(/npm run lab:backup/);
    const late = fail(() =>
      restorePlan({ backups, archivedAt: null, flushedAt: null }, { kind: "time", at: 4e9 }),
    );
    expect(late.message).toMatch(/cannot restore/);
    expect(late.hint).toMatch(/choose a time between/);
  });

  it("a restore is refused with no backup, or a time outside the window", () => {
    const w = recoveryWindow(backups, (backups.at(-1)?.stop ?? 0) + 60);
    expect(restoreProblems({ kind: "latest" }, [], null)[0]).toMatch(/holds no backup/);
    expect(restoreProblems({ kind: "time", at: 1 }, [], null)[0]).toMatch(/holds no backup/);
    expect(restoreProblems({ kind: "latest" }, backups, w)).toEqual([]);
    const from = w?.from ?? 0;
    const to = w?.to ?? 0;
    expect(restoreProblems({ kind: "time", at: from - 1 }, backups, w)[0]).toMatch(
      /before the oldest backup ended/,
    );
    expect(restoreProblems({ kind: "time", at: to + 1 }, backups, w)[0]).toMatch(
      /after the newest archived WAL/,
    );
    expect(restoreProblems({ kind: "time", at: from + 1 }, backups, w)).toEqual([]);
  });

  it("a restore starts from the newest backup that ended before the target", () => {
    const [first, second] = backups;
    if (!first || !second) throw new Error("fixture needs two backups");
    expect(chooseBackup(backups, second.stop).label).toBe(second.label);
    expect(chooseBackup(backups, second.stop - 1).label).toBe(first.label);
    expect(chooseBackup(backups, Number.MAX_SAFE_INTEGER).label).toBe(backups.at(-1)?.label);
  });

  it("estimates the room a backup needs from the last full one", () => {
    const full = backups.filter((b) => b.type === "full").at(-1);
    expect(neededBytes("full", backups)).toBe(Math.ceil((full?.repoBytes ?? 0) * 1.2));
    expect(neededBytes("diff", backups)).toBeLessThan(neededBytes("full", backups));
    expect(neededBytes("full", [])).toBe(64 * 1024 * 1024);
  });
});

describe("--to times", () => {
  it("accepts ISO 8601 with or without a zone (UTC by default)", () => {
    const t = Date.UTC(2026, 10, 25, 10, 30, 0) / 1000;
    expect(parseTargetTime("2026-11-25T10:30:00Z")).toBe(t);
    expect(parseTargetTime("2026-11-25 10:30:00")).toBe(t);
    expect(parseTargetTime("2026-11-25T10:30")).toBe(t);
    expect(parseTargetTime("2026-11-25T11:30:00+01:00")).toBe(t);
    expect(parseTargetTime("2026-11-25T11:30:00+0100")).toBe(t);
    expect(parseTargetTime("2026-11-25T10:30:00.750Z")).toBe(t);
  });

  it("refuses what is not a time, with an example", () => {
    for (const bad of [
      "yesterday",
      "2026-11-25",
      "10:30",
      "2026-13-45T99:99:00Z",
      "2026-02-30T10:00:00Z",
      "2026-11-25T24:00:00Z",
    ]) {
      expect(() => parseTargetTime(bad)).toThrow(LabError);
    }
  });

  it("writes the form pgBackRest and Postgres read", () => {
    expect(pgTime(Date.UTC(2026, 10, 25, 10, 30, 5) / 1000)).toBe("2026-11-25 10:30:05+00");
  });
});

describe("backup configuration", () => {
  it("durations in s, m, h, d", () => {
    expect(durationSeconds("90s")).toBe(90);
    expect(durationSeconds("30m")).toBe(1800);
    expect(durationSeconds("24h")).toBe(86_400);
    expect(durationSeconds("7d")).toBe(604_800);
  });

  it("refuses a bad schedule with its path", () => {
    const r = validateConfig({ backup: { full: "daily", archiveTimeoutS: 1 } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.join("\n")).toMatch(/backup\.full.*"30m"/);
      expect(r.errors.join("\n")).toMatch(/backup\.archiveTimeoutS/);
    }
  });
});

describe("save archives", () => {
  it("loads only an archive of this format and this lab", () => {
    const m = makeManifest("lab", null, ["promdata"], []);
    expect(manifestProblems(m, "lab")).toEqual([]);
    expect(manifestProblems(m, "other")[0]).toMatch(/of lab "lab", not "other".*--name lab/);
    expect(manifestProblems({ ...m, format: 99 }, "lab")[0]).toMatch(/format 99/);
    expect(manifestProblems(null, "lab")[0]).toMatch(/missing/);
    expect(manifestProblems({ ...m, state: [] }, "lab")).toContain("the archive holds no CA");
  });
});
