/** Docker engines: the host's, and the one inside each lab node. */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { EXIT, LabError } from "../errors.js";
import { type EngineFacts, type EngineInfo, engineFacts } from "../plan/engine.js";
import { withTimeout } from "./clock.js";
import { DockerEngine } from "./dockerode.js";
import type { LabEngine } from "./engine.js";

export type Engine = LabEngine;
export type { ExecResult, HostConfig, ServiceCreate } from "./engine.js";

/** The host engine's raw client, for the developer tools and tests only (lab/ uses the port). */
export function hostDocker(): Docker {
  return process.env.DOCKER_HOST
    ? new Docker()
    : new Docker({ socketPath: "/var/run/docker.sock" });
}

export function hostEngine(): Engine {
  return new DockerEngine(hostDocker());
}

/** A node engine over mutual TLS: the server proves it is the lab's, the client too. */
export function tlsEngine(
  address: string,
  port: number,
  tls: { ca: string; cert: string; key: string },
): Engine {
  return new DockerEngine(tlsDocker(address, port, tls));
}

/** A node engine's raw client over mutual TLS, for the developer tools and tests only. */
export function tlsDocker(
  address: string,
  port: number,
  tls: { ca: string; cert: string; key: string },
): Docker {
  return new Docker({ host: address, port, protocol: "https", ...tls, timeout: 60_000 });
}

const ENGINE_HINT =
  "install and start a Docker engine: `apt-get install -y docker.io` then `dockerd &` " +
  "(or `systemctl start docker`); check with `docker info`";

/** What the engine is (see plan/engine.ts); fails with a clear message when no engine answers. */
export async function requireEngine(engine: Engine): Promise<EngineFacts> {
  try {
    // an address that accepts connections and never answers must not hang the CLI
    const info = await withTimeout("the engine's info call", 15_000, engine.info());
    return engineFacts(info as EngineInfo);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
    throw new LabError(
      `no Docker engine answers at ${where} (${code ?? (err as Error).message})`,
      ENGINE_HINT,
      EXIT.noEngine,
    );
  }
}

export { demuxLogs, ignoreNotFound, isNotFound } from "./dockerode.js";
export { tarOf } from "./tar.js";

/** Runs a command in a container and returns its standard output; fails on a non-zero exit. */
export async function execIn(engine: Engine, container: string, cmd: string[]): Promise<string> {
  const r = await engine.containers.exec(container, cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * What `docker login` left for a registry in the CLI's config file ($DOCKER_CONFIG or ~/.docker):
 * a basic credential, or the name of the helper that keeps it (which the lab does not call).
 */
export function dockerLogin(registry: string): { basic?: string; helper?: string } {
  const dir = process.env.DOCKER_CONFIG ?? join(homedir(), ".docker");
  let doc: {
    auths?: Record<string, { auth?: string }>;
    credsStore?: string;
    credHelpers?: Record<string, string>;
  };
  try {
    doc = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  } catch {
    return {};
  }
  // Docker Hub's credential is filed under its index server's URL.
  const keys =
    registry === "registry-1.docker.io"
      ? ["https://index.docker.io/v1/", "index.docker.io", "docker.io"]
      : [registry, `https://${registry}`];
  const basic = keys.map((k) => doc.auths?.[k]?.auth).find(Boolean);
  const helper = keys.map((k) => doc.credHelpers?.[k]).find(Boolean) ?? doc.credsStore;
  return { ...(basic ? { basic } : {}), ...(helper ? { helper } : {}) };
}
