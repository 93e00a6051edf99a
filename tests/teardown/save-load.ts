/**
 * Round trip of lab:save and lab:load: the lab's state and Prometheus history survive a
 * `down` and the loss of the state folder. Imported by down.test.ts, so it runs before the
 * final down (test files may run in any order, tests in a file run in order).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadConfig } from "../../lab/config/load.js";
import { connectLab } from "../../lab/core/running.js";
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

export function saveLoadRoundTrip(): void {
  it("lab:save, lab:down, lose the state folder, lab:load: same CA, secrets and Prometheus history", async () => {
    const p = statePaths();
    const ca = sha(p.caCert);
    const dashboard = readFileSync(p.dashboardPassword, "utf8");
    const before = Math.floor(Date.now() / 1000) - 20;
    const seriesBefore = await promCountAt(before);
    expect(seriesBefore).toBeGreaterThan(0);
    const file = join(tmpdir(), `swarm-lab-roundtrip-${Date.now()}.tar.gz`);
    const aside = `${p.dir}.roundtrip-aside`;
    try {
      const saved = await cli(["save", file, "-o", "json"]);
      expect(saved.code, saved.stderr).toBe(0);
      expect(JSON.parse(saved.stdout).volumes).toEqual(["promdata"]);
      expect((await cli(["down", "--keep-images"])).code).toBe(0);
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
    } finally {
      rmSync(file, { force: true });
      if (!existsSync(p.dir) && existsSync(aside)) renameSync(aside, p.dir);
      rmSync(aside, { recursive: true, force: true });
    }
  }, 900_000);
}
