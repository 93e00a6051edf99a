/**
 * `lab save` / `lab load`: the lab's own state (CA, certificates, generated secrets, config file)
 * and its data volumes (Prometheus) in one .tar.gz. The database is not in it: pgBackRest's
 * repository is its backup (lab:backup, lab:restore).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { DEFAULT_CONFIG_FILE } from "../config/load.js";
import { EXIT, LabError } from "../errors.js";
import { placements } from "../plan/nodes.js";
import type { RunningLab } from "../running/lab.js";
import type { Log } from "../runtime/log.js";
import { packPrivate } from "../runtime/tar.js";
import { stateDir } from "../state/paths.js";
import { noContainerOf, scaleService, secondsUntil } from "../swarm/steer.js";
import { exportVolume, importVolume, serviceImage, type VolumeRef } from "../swarm/volumes.js";
import {
  type Manifest,
  makeManifest,
  manifestProblems,
  SAVED_VOLUMES,
  STATE_ENTRIES,
} from "./manifest.js";

type Saved = (typeof SAVED_VOLUMES)[number];
type VolumeWork = (volume: VolumeRef) => Promise<void>;

/** Stops the volume's service, runs `work` on its node, starts it again (even on failure). */
async function withServiceStopped(lab: RunningLab, v: Saved, work: VolumeWork): Promise<void> {
  const manager = lab.manager();
  const service = `${lab.config.name}_${v.service}`;
  const image = await serviceImage(manager, service);
  const node = lab.nodes.find((n) => n.index === placements(lab.config.nodes)[v.placement]);
  if (!node) throw new LabError(`no lab node for ${v.service} (placement ${v.placement})`);
  const engine = lab.driver.engine(node);
  await scaleService(manager, service, 0);
  try {
    const stopped = await secondsUntil(() => noContainerOf(engine, service), 60_000);
    if (stopped === null) throw new LabError(`${service} did not stop within 60 s`);
    await work({ engine, image, volume: `${lab.config.name}_${v.volume}`, lab: lab.config.name });
  } finally {
    await scaleService(manager, service, 1);
  }
}

export async function saveLab(
  lab: RunningLab,
  file: string,
  log: Log,
): Promise<Manifest & { file: string; bytes: number }> {
  const staging = mkdtempSync(join(tmpdir(), "swarm-lab-save-"));
  try {
    const state = stateDir();
    for (const entry of STATE_ENTRIES) {
      if (!existsSync(join(state, entry))) {
        throw new LabError(
          `the state folder has no ${entry}/ (${state})`,
          "run npm run lab:up once",
          EXIT.notRunning,
        );
      }
      cpSync(join(state, entry), join(staging, "state", entry), { recursive: true });
    }
    const config = existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : null;
    if (config) cpSync(config, join(staging, "config", DEFAULT_CONFIG_FILE));
    mkdirSync(join(staging, "volumes"));
    const volumes: string[] = [];
    for (const v of SAVED_VOLUMES) {
      log.info(`saving volume ${v.volume} (${v.service} stops for the copy)`);
      await withServiceStopped(lab, v, (ref) =>
        exportVolume(ref, join(staging, "volumes", `${v.volume}.tar`)),
      );
      volumes.push(v.volume);
    }
    const manifest = makeManifest(lab.config.name, config, volumes, [
      "database: not in this archive, it lives in the pgBackRest repository (lab:backup, lab:restore)",
      "grafana: not part of this lab's stack yet",
    ]);
    writeFileSync(join(staging, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    // It holds the CA key and every password: private from its first byte.
    await packPrivate(staging, file);
    return { ...manifest, file, bytes: statSync(file).size };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Unpacks and checks an archive; the caller removes `dir` when done. */
export async function openArchive(
  file: string,
  lab: string,
): Promise<{ dir: string; manifest: Manifest }> {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new LabError(
      `cannot load ${file}: it ${existsSync(file) ? "is not a file" : "does not exist"}`,
      "give the file written by npm run lab:save",
      EXIT.usage,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "swarm-lab-load-"));
  try {
    await tar.x({ file, cwd: dir, strict: true });
    const path = join(dir, "manifest.json");
    const manifest = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as unknown) : null;
    const problems = manifestProblems(manifest, lab);
    if (problems.length > 0)
      throw new LabError(`${file} cannot be loaded: ${problems.join("; ")}`, undefined, EXIT.usage);
    return { dir, manifest: manifest as Manifest };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (err instanceof LabError) throw err;
    throw new LabError(
      `${file} is not a lab archive (${(err as Error).message})`,
      "give the .tar.gz written by npm run lab:save",
      EXIT.usage,
    );
  }
}

/**
 * Puts the archive's state in the state folder. What was there is kept aside (renamed with a
 * time stamp), never deleted. Returns that folder's new name, if there was one.
 */
export function installState(dir: string): string | null {
  const state = stateDir();
  let kept: string | null = null;
  if (existsSync(state)) {
    kept = `${state}.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(state, kept);
  }
  for (const entry of STATE_ENTRIES)
    cpSync(join(dir, "state", entry), join(state, entry), { recursive: true });
  return kept;
}

export async function importVolumes(
  lab: RunningLab,
  dir: string,
  manifest: Manifest,
  log: Log,
): Promise<string[]> {
  const done: string[] = [];
  for (const v of SAVED_VOLUMES.filter((s) => manifest.volumes.includes(s.volume))) {
    log.info(`loading volume ${v.volume} (${v.service} stops for the copy)`);
    await withServiceStopped(lab, v, (ref) =>
      importVolume(ref, join(dir, "volumes", `${v.volume}.tar`)),
    );
    done.push(v.volume);
  }
  return done;
}
