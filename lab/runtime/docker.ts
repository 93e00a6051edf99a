/** Docker engines: the host's, and the one inside each lab node. */
import Docker from "dockerode";
import tar from "tar-stream";
import { EXIT, LabError } from "../errors.js";
import { systemClock, withTimeout } from "./clock.js";

export type Engine = Docker;
export type ServiceCreate = Docker.CreateServiceOptions;
/** How a container is started (capabilities, devices, mounts): the node drivers plan it. */
export type HostConfig = Docker.HostConfig;

export function hostEngine(): Engine {
  return process.env.DOCKER_HOST
    ? new Docker()
    : new Docker({ socketPath: "/var/run/docker.sock" });
}

/** A node engine over mutual TLS: the server proves it is the lab's, the client too. */
export function tlsEngine(
  address: string,
  port: number,
  tls: { ca: string; cert: string; key: string },
): Engine {
  return new Docker({ host: address, port, protocol: "https", ...tls, timeout: 60_000 });
}

const ENGINE_HINT =
  "install and start a Docker engine: `apt-get install -y docker.io` then `dockerd &` " +
  "(or `systemctl start docker`); check with `docker info`";

/** Fails with a clear message when no engine answers. */
export async function requireEngine(engine: Engine): Promise<{ version: string; cgroup: string }> {
  try {
    // an address that accepts connections and never answers must not hang the CLI
    const info = (await withTimeout("the engine's info call", 15_000, engine.info())) as {
      ServerVersion: string;
      CgroupVersion?: string;
    };
    return { version: info.ServerVersion, cgroup: info.CgroupVersion ?? "1" };
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

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** For `.catch()` on a removal: already gone is fine, anything else is an error. */
export function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

/** Follows a dockerode progress stream to its end, failing on the first error message. */
export function followProgress(
  engine: Engine,
  stream: NodeJS.ReadableStream,
  what = "an image transfer",
  timeoutMs = 30 * 60_000,
): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    engine.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
      const failed = out?.find((o) => o.error);
      if (err) reject(err);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    });
  });
  return withTimeout(what, timeoutMs, done, systemClock, () =>
    (stream as unknown as { destroy?: () => void }).destroy?.(),
  );
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in a container and returns its exit code and output (never throws on exit). */
export async function execResult(
  engine: Engine,
  container: string,
  cmd: string[],
  user?: string,
  /** generous: restores and backups of a large database run for minutes */
  timeoutMs = 30 * 60_000,
): Promise<ExecResult> {
  const exec = await engine
    .getContainer(container)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) =>
    ({
      write: (chunk: Buffer) => into.push(chunk),
      end: () => {},
    }) as unknown as NodeJS.WritableStream;
  engine.modem.demuxStream(stream, sink(out), sink(err));
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  await withTimeout(
    `\`${cmd.join(" ").slice(0, 80)}\` in container ${container.slice(0, 12)}`,
    timeoutMs,
    ended,
    systemClock,
    () => (stream as unknown as { destroy?: () => void }).destroy?.(),
  );
  const { ExitCode } = await exec.inspect();
  return {
    code: ExitCode ?? -1,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
  };
}

/**
 * Runs a command with `input` on its standard input (the way `docker exec -i` does), e.g. `tar -x`
 * to place files where the archive API cannot (a tmpfs mount).
 */
export async function execWithInput(
  engine: Engine,
  container: string,
  cmd: string[],
  input: Buffer,
  user?: string,
): Promise<ExecResult> {
  const exec = await engine.getContainer(container).exec({
    Cmd: cmd,
    ...(user ? { User: user } : {}),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream;
  const out: Buffer[] = [];
  const sink = { write: (chunk: Buffer) => out.push(chunk), end: () => {} };
  engine.modem.demuxStream(stream, sink as never, sink as never);
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("end", () => resolve());
    stream.on("close", () => resolve());
    stream.on("error", reject);
  });
  stream.end(input);
  await ended;
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: "" };
}

/** A tar archive of small files (mode 0600), for `tar -x` or the archive API. */
export function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o600 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    pack.on("data", (c: Buffer) => chunks.push(c));
    pack.on("end", () => resolve(Buffer.concat(chunks)));
    pack.on("error", reject);
  });
}

/** Runs a command in a container and returns its standard output; fails on a non-zero exit. */
export async function execIn(engine: Engine, container: string, cmd: string[]): Promise<string> {
  const r = await execResult(engine, container, cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/**
 * Pure: the text of a non-TTY container's logs as the engine sends them, frames of an 8-byte
 * header (stream, 0, 0, 0, length as uint32 BE) and a payload, stdout and stderr interleaved.
 */
export function demuxLogs(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length && [0, 1, 2].includes(raw[at] as number)) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  // Not framed (a TTY container): the bytes as they are.
  return at === 0 ? raw.toString() : Buffer.concat(parts).toString();
}
