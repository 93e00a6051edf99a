/** Docker engines: the host's, and the one inside each lab node. */
import Docker from "dockerode";
import { LabError } from "../errors.js";

export type Engine = Docker;

export function hostEngine(): Engine {
  return process.env.DOCKER_HOST
    ? new Docker()
    : new Docker({ socketPath: "/var/run/docker.sock" });
}

export function tcpEngine(address: string, port = 2375): Engine {
  return new Docker({ host: address, port, protocol: "http", timeout: 60_000 });
}

const ENGINE_HINT =
  "install and start a Docker engine: `apt-get install -y docker.io` then `dockerd &` " +
  "(or `systemctl start docker`); check with `docker info`";

/** Fails with a clear message when no engine answers. */
export async function requireEngine(engine: Engine): Promise<{ version: string; cgroup: string }> {
  try {
    const info = (await engine.info()) as { ServerVersion: string; CgroupVersion?: string };
    return { version: info.ServerVersion, cgroup: info.CgroupVersion ?? "1" };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = process.env.DOCKER_HOST ?? "/var/run/docker.sock";
    throw new LabError(
      `no Docker engine answers at ${where} (${code ?? (err as Error).message})`,
      ENGINE_HINT,
      3,
    );
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** Follows a dockerode progress stream to its end, failing on the first error message. */
export function followProgress(engine: Engine, stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    engine.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err) reject(err);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
}
