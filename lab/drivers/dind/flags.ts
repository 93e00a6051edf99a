/** The one place that knows how a Docker-in-Docker node container must be started. */
import type { HostConfig } from "../../runtime/docker.js";

/** --privileged where the host allows it. */
export const PRIVILEGED: HostConfig = { Privileged: true };

/**
 * Docker's default capabilities: a node keeps these, as any container does.
 * https://github.com/moby/moby/blob/master/oci/caps/defaults.go
 */
export const DEFAULT_CAPS = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "NET_RAW",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
] as const;

/**
 * What the inner engine needs on top: SYS_ADMIN (mounts, namespaces and cgroups of the containers
 * it runs), NET_ADMIN (bridges, iptables, the overlay's VXLAN and the routing mesh's IPVS),
 * SYS_PTRACE (exec and health checks enter a container whose process runs as another user; without
 * it every health check hangs in "starting").
 */
export const NODE_EXTRA_CAPS = ["SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE"] as const;

/**
 * Hosts without CAP_SYS_RESOURCE refuse --privileged ("unable to apply caps"). The least set that
 * runs the lab: Docker's defaults plus NODE_EXTRA_CAPS, no seccomp/AppArmor filter (the inner
 * engine applies its own to the containers it runs), writable /proc and /sys paths (the
 * entrypoint remounts /sys and the cgroups read-write), and Docker's default devices only: a node
 * cannot open the host's disks. Not given: SYS_MODULE, SYS_RAWIO, SYS_TIME, SYS_BOOT,
 * DAC_READ_SEARCH, BPF, PERFMON, SYSLOG, MAC_ADMIN and the rest.
 */
export const UNPRIVILEGED: HostConfig = {
  CapDrop: ["ALL"],
  CapAdd: [...DEFAULT_CAPS, ...NODE_EXTRA_CAPS],
  SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
  // What the CLI's --security-opt systempaths=unconfined means in the API.
  MaskedPaths: [],
  ReadonlyPaths: [],
};

/** Where a node's engine certificate is placed at each start (a tmpfs: never on disk). */
export const NODE_TLS_DIR = "/run/lab-tls";

/**
 * The node's environment: its entrypoint lets the engine pull from the lab's registry over plain
 * HTTP (on the lab's private network; the registry is read-only there, see images/registry).
 */
export function nodeEnv(registry: string): string[] {
  return [`LAB_REGISTRY=${registry}`];
}

export function nodeHostConfig(
  privileged: boolean,
  volume: string,
  network: string,
  kept: Array<{ name: string; path: string }> = [],
): HostConfig {
  return {
    ...(privileged ? PRIVILEGED : UNPRIVILEGED),
    // An init reaps the shims of finished containers, which otherwise stay as zombies.
    Init: true,
    Binds: [`${volume}:/var/lib/docker`, ...kept.map((k) => `${k.name}:${k.path}`)],
    Tmpfs: { [NODE_TLS_DIR]: "rw,noexec,nosuid,size=1m,mode=0700" },
    NetworkMode: network,
    RestartPolicy: { Name: "no" },
  };
}

export function refusesPrivileged(err: unknown): boolean {
  return /unable to apply caps|operation not permitted/i.test(String((err as Error).message));
}
