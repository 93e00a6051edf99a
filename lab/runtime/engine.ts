/**
 * The lab's port to a Docker engine: what the lab does to one (the host's, a node's), in the
 * lab's words. The rest of the lab sees only this interface; `docker.ts` implements it on
 * dockerode. A node driver returns it for each node, so any way of getting hosts (containers, ssh
 * hosts, VMs) needs nothing else.
 */
import type Docker from "dockerode";

/** Swarm's objects as the engine returns them, each caller reading the fields it needs. */
// biome-ignore lint/suspicious/noExplicitAny: Swarm's API objects (dockerode types them as any)
export type SwarmObject = Record<string, any>;

/** Docker's own filters: `{ label: ["k=v"], name: ["x"] }`. */
export type Filters = Record<string, string[]>;
export type ContainerSummary = Docker.ContainerInfo;
export type ContainerDetails = Docker.ContainerInspectInfo;
export type ContainerCreate = Docker.ContainerCreateOptions;
export type ImageDetails = Docker.ImageInspectInfo;
export type ImageSummary = Docker.ImageInfo;
export type VolumeSummary = { Name: string; Labels?: Record<string, string> | null };
export type NetworkSummary = { Id: string; Name: string };
export type ServiceCreate = Docker.CreateServiceOptions;
/** How a container is started (capabilities, devices, mounts): the node drivers plan it. */
export type HostConfig = Docker.HostConfig;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The engine's answer to `info`, as far as the lab reads it. */
export interface EngineInfo {
  /** the host's name (a Swarm node's Description.Hostname) */
  Name?: string;
  ServerVersion: string;
  CgroupVersion?: string;
  Swarm?: { LocalNodeState?: string; NodeID?: string; ControlAvailable?: boolean };
}

/** A throwaway container holding a named volume on /data (save/load, repository checks). */
export interface VolumeAccess {
  volume: string;
  /** an image already on that engine, with `sh` */
  image: string;
  labels: Record<string, string>;
}

export interface LabEngine {
  info(): Promise<EngineInfo>;
  ping(): Promise<void>;

  swarm: {
    init(advertise: string): Promise<void>;
    managerToken(): Promise<string>;
    join(advertise: string, leader: string, token: string): Promise<void>;
    /** Leaves the swarm, forced (a manager too); not in one is fine. */
    leave(): Promise<void>;
    /** Swarm's node objects (read by their `Description`, `Status`, `Spec`) */
    nodes(): Promise<SwarmObject[]>;
    /** Sets a node's spec at the version it was read at. */
    updateNode(id: string, version: number, spec: Record<string, unknown>): Promise<void>;
  };

  services: {
    list(filters?: Filters): Promise<SwarmObject[]>;
    inspect(name: string): Promise<SwarmObject>;
    create(spec: ServiceCreate): Promise<void>;
    /** Sets a service's spec at the version it was read at. */
    update(name: string, version: number, spec: Record<string, unknown>): Promise<void>;
    /** Gone already is fine. */
    remove(name: string): Promise<void>;
    tasks(filters?: Filters): Promise<SwarmObject[]>;
  };

  containers: {
    list(filters: Filters, all?: boolean): Promise<ContainerSummary[]>;
    /** undefined when there is no such container */
    find(name: string): Promise<ContainerDetails | undefined>;
    /**
     * Creates and starts it; `files` (absolute path -> content, mode 0600) are written into it
     * before it starts, so the engine need not see this machine's files (no bind mount).
     */
    run(spec: ContainerCreate, files?: Record<string, string>): Promise<void>;
    /** 304 (already running) is fine; returns false then. */
    start(name: string): Promise<boolean>;
    kill(name: string, signal?: string): Promise<void>;
    /** Forced; with its anonymous volumes when `volumes`; gone already is fine. */
    remove(name: string, volumes?: boolean): Promise<void>;
    /** Its log, stdout and stderr interleaved, the last `tail` lines when given. */
    logs(name: string, opts?: { tail?: number; timestamps?: boolean }): Promise<string>;
    /** One sample of its resource use (`docker stats --no-stream`). */
    stats(name: string): Promise<unknown>;
    /** Runs a command and returns its exit code and output (never throws on exit). */
    exec(name: string, cmd: string[], user?: string, timeoutMs?: number): Promise<ExecResult>;
    /** Runs a command with `input` on its standard input (`docker exec -i`). */
    execWithInput(name: string, cmd: string[], input: Buffer, user?: string): Promise<ExecResult>;
  };

  volumes: {
    list(filters: Filters): Promise<VolumeSummary[]>;
    /** An existing volume is returned as it is (a kept one is reused). */
    create(name: string, labels: Record<string, string>): Promise<void>;
    /** Gone already is fine. */
    remove(name: string): Promise<void>;
    /** Runs a shell script as root with the volume on /data; its output; fails on non-zero. */
    run(v: VolumeAccess, script: string): Promise<string>;
    /** Writes the volume's content as a tar file on the host. */
    exportTo(v: VolumeAccess, file: string): Promise<void>;
    /** Unpacks a tar file written by exportTo into the (emptied) volume. */
    importFrom(v: VolumeAccess, file: string): Promise<void>;
  };

  networks: {
    list(filters: Filters): Promise<NetworkSummary[]>;
    createBridge(name: string, labels: Record<string, string>): Promise<void>;
    /** Gone already is fine. */
    remove(id: string): Promise<void>;
  };

  images: {
    /** undefined when the engine does not have it */
    find(ref: string): Promise<ImageDetails | undefined>;
    /**
     * The digests the engine knows an image by: its id (the configuration digest in the classic
     * image store, the manifest's or index's in the containerd store), its repository digests and,
     * where the engine lists them (API 1.47+), the platform manifests it holds. Undefined when the
     * engine does not have it.
     */
    digests(ref: string): Promise<string[] | undefined>;
    list(filters?: Filters): Promise<ImageSummary[]>;
    tag(ref: string, repo: string, tag: string): Promise<void>;
    /** Pushes `repo:tag` to the registry its name says; fails on the first error message. */
    push(repo: string, tag: string, what: string, timeoutMs: number): Promise<void>;
    /** Forced when `force`; gone already is fine. */
    remove(ref: string, force?: boolean): Promise<void>;
    /** `docker save`: these images as one tar stream. */
    save(refs: string[]): Promise<NodeJS.ReadableStream>;
    /** `docker load` of a tar stream written by save; fails on the engine's error message. */
    load(tar: NodeJS.ReadableStream, what: string, timeoutMs: number): Promise<void>;
  };
}
