/** The lab's engine port (engine.ts) on dockerode: the one implementation. */
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import { systemClock, withTimeout } from "./clock.js";
import type {
  ContainerCreate,
  EngineInfo,
  ExecResult,
  Filters,
  LabEngine,
  ServiceCreate,
  SwarmObject,
  VolumeAccess,
} from "./engine.js";
import { tarOf } from "./tar.js";

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

/** For `.catch()` on a removal: already gone is fine, anything else is an error. */
export function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}

function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  return p.catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
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

const MOUNT = "/data";

export class DockerEngine implements LabEngine {
  constructor(private readonly d: Docker) {}

  async info(): Promise<EngineInfo> {
    return (await this.d.info()) as EngineInfo;
  }

  async ping(): Promise<void> {
    await this.d.ping();
  }

  swarm = {
    init: async (advertise: string) => {
      await this.d.swarmInit({ ListenAddr: "0.0.0.0:2377", AdvertiseAddr: advertise });
    },
    managerToken: async () =>
      ((await this.d.swarmInspect()) as { JoinTokens: { Manager: string } }).JoinTokens.Manager,
    join: async (advertise: string, leader: string, token: string) => {
      await this.d.swarmJoin({
        ListenAddr: "0.0.0.0:2377",
        AdvertiseAddr: advertise,
        RemoteAddrs: [`${leader}:2377`],
        JoinToken: token,
      });
    },
    leave: async () => {
      await this.d.swarmLeave({ force: true }).catch((err: { statusCode?: number }) => {
        // 503: not part of a swarm (already left)
        if (err.statusCode !== 503) throw err;
      });
    },
    nodes: () => this.d.listNodes() as Promise<SwarmObject[]>,
    updateNode: async (id: string, version: number, spec: Record<string, unknown>) => {
      await this.d.getNode(id).update({ version, ...spec });
    },
  };

  services = {
    list: (filters?: Filters) =>
      this.d.listServices(filters ? { filters } : {}) as Promise<SwarmObject[]>,
    inspect: (name: string) => this.d.getService(name).inspect() as Promise<SwarmObject>,
    create: async (spec: ServiceCreate) => {
      await this.d.createService(spec);
    },
    update: async (name: string, version: number, spec: Record<string, unknown>) => {
      await this.d.getService(name).update({ version, ...spec });
    },
    remove: async (name: string) => {
      await this.d.getService(name).remove().catch(ignoreNotFound);
    },
    tasks: (filters?: Filters) =>
      this.d.listTasks(filters ? { filters } : {}) as Promise<SwarmObject[]>,
  };

  containers = {
    list: (filters: Filters, all = false) => this.d.listContainers({ all, filters }),
    find: (name: string) => orUndefined(this.d.getContainer(name).inspect()),
    run: async (spec: ContainerCreate, files?: Record<string, string>) => {
      const c = await this.d.createContainer(spec);
      if (files) {
        const relative = Object.fromEntries(
          Object.entries(files).map(([path, content]) => [path.replace(/^\/+/, ""), content]),
        );
        await c.putArchive(await tarOf(relative), { path: "/" });
      }
      await c.start();
    },
    start: async (name: string) => {
      try {
        await this.d.getContainer(name).start();
        return true;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 304) return false;
        throw err;
      }
    },
    kill: async (name: string, signal?: string) => {
      await this.d.getContainer(name).kill(signal ? { signal } : {});
    },
    remove: async (name: string, volumes = false) => {
      await this.d.getContainer(name).remove({ force: true, v: volumes }).catch(ignoreNotFound);
    },
    logs: async (name: string, opts: { tail?: number; timestamps?: boolean } = {}) => {
      const raw = await this.d.getContainer(name).logs({
        stdout: true,
        stderr: true,
        ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
        timestamps: opts.timestamps ?? false,
      });
      return demuxLogs(raw as unknown as Buffer);
    },
    stats: (name: string) => this.d.getContainer(name).stats({ stream: false }) as Promise<unknown>,
    exec: (name: string, cmd: string[], user?: string, timeoutMs?: number) =>
      this.exec(name, cmd, user, timeoutMs),
    execWithInput: (name: string, cmd: string[], input: Buffer, user?: string) =>
      this.execWithInput(name, cmd, input, user),
  };

  volumes = {
    list: async (filters: Filters) => (await this.d.listVolumes({ filters })).Volumes ?? [],
    create: async (name: string, labels: Record<string, string>) => {
      await this.d.createVolume({ Name: name, Labels: labels });
    },
    remove: async (name: string) => {
      await this.d.getVolume(name).remove({ force: true }).catch(ignoreNotFound);
    },
    run: (v: VolumeAccess, script: string) =>
      this.withScratch(v, script, async (c) => {
        await c.start();
        const { StatusCode } = (await c.wait()) as { StatusCode: number };
        const logs = demuxLogs(await c.logs({ stdout: true, stderr: true }));
        if (StatusCode !== 0)
          throw new Error(`on volume ${v.volume}: "${script}" exited ${StatusCode}: ${logs}`);
        return logs;
      }),
    exportTo: (v: VolumeAccess, file: string) =>
      this.withScratch(v, undefined, async (c) => {
        const stream = (await c.getArchive({ path: `${MOUNT}/.` })) as NodeJS.ReadableStream;
        await pipeline(stream, createWriteStream(file, { mode: 0o600 }));
      }),
    importFrom: async (v: VolumeAccess, file: string) => {
      await this.volumes.run(v, `rm -rf ${MOUNT}/* ${MOUNT}/.[!.]*`);
      // The archive's top entry is the folder "." of the export: it unpacks into /data.
      await this.withScratch(v, undefined, async (c) => {
        await c.putArchive(createReadStream(file), { path: MOUNT });
      });
    },
  };

  networks = {
    list: (filters: Filters) => this.d.listNetworks({ filters }),
    createBridge: async (name: string, labels: Record<string, string>) => {
      await this.d.createNetwork({
        Name: name,
        Driver: "bridge",
        Labels: labels,
        CheckDuplicate: true,
      });
    },
    remove: async (id: string) => {
      await this.d.getNetwork(id).remove().catch(ignoreNotFound);
    },
  };

  images = {
    find: (ref: string) => orUndefined(this.d.getImage(ref).inspect()),
    list: (filters: Filters = {}) => this.d.listImages({ filters }),
    digests: async (ref: string) => {
      const image = await this.images.find(ref);
      if (!image) return undefined;
      // `manifests` is ignored by engines older than API 1.47 (and by the classic image store).
      const listed = (await this.d.listImages({
        filters: { reference: [ref] },
        manifests: true,
      } as Docker.ListImagesOptions)) as (Docker.ImageInfo & {
        Manifests?: { ID?: string; Available?: boolean }[];
      })[];
      const manifests = listed
        .filter((i) => i.Id === image.Id)
        .flatMap((i) => i.Manifests ?? [])
        .filter((m) => m.Available !== false && m.ID)
        .map((m) => m.ID as string);
      const repoDigests = (image.RepoDigests ?? []).map((d) => d.slice(d.indexOf("@") + 1));
      return [...new Set([image.Id, ...repoDigests, ...manifests])];
    },
    tag: async (ref: string, repo: string, tag: string) => {
      await this.d.getImage(ref).tag({ repo, tag });
    },
    push: async (repo: string, tag: string, what: string, timeoutMs: number) => {
      const stream = await this.d.getImage(`${repo}:${tag}`).push({ tag });
      await this.followProgress(stream, what, timeoutMs);
    },
    remove: async (ref: string, force = false) => {
      await this.d.getImage(ref).remove({ force }).catch(ignoreNotFound);
    },
    // dockerode has it, its types do not: GET /images/get?names=...
    save: (refs: string[]) =>
      (
        this.d as unknown as {
          getImages(o: { names: string[] }): Promise<NodeJS.ReadableStream>;
        }
      ).getImages({ names: refs }),
    load: async (tar: NodeJS.ReadableStream, what: string, timeoutMs: number) => {
      const stream = await this.d.loadImage(tar, { quiet: true });
      await this.followProgress(stream, what, timeoutMs);
    },
  };

  /** Calls `use` with a container holding the volume on /data, and removes it afterwards. */
  private async withScratch<T>(
    v: VolumeAccess,
    cmd: string | undefined,
    use: (c: Docker.Container) => Promise<T>,
  ): Promise<T> {
    const container = await this.d.createContainer({
      Image: v.image,
      Entrypoint: ["sh", "-c"],
      Cmd: [cmd ?? "true"],
      User: "0",
      Labels: v.labels,
      HostConfig: { Binds: [`${v.volume}:${MOUNT}`] },
    });
    try {
      return await use(container);
    } finally {
      await container.remove({ force: true }).catch(() => {});
    }
  }

  /** Follows a progress stream to its end, failing on the first error message. */
  private followProgress(stream: NodeJS.ReadableStream, what: string, timeoutMs: number) {
    const done = new Promise<void>((resolve, reject) => {
      this.d.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
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

  private async exec(
    container: string,
    cmd: string[],
    user?: string,
    /** generous: restores and backups of a large database run for minutes */
    timeoutMs = 30 * 60_000,
  ): Promise<ExecResult> {
    const exec = await this.d
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
    this.d.modem.demuxStream(stream, sink(out), sink(err));
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

  private async execWithInput(
    container: string,
    cmd: string[],
    input: Buffer,
    user?: string,
  ): Promise<ExecResult> {
    const exec = await this.d.getContainer(container).exec({
      Cmd: cmd,
      ...(user ? { User: user } : {}),
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream;
    const out: Buffer[] = [];
    const sink = { write: (chunk: Buffer) => out.push(chunk), end: () => {} };
    this.d.modem.demuxStream(stream, sink as never, sink as never);
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
}
