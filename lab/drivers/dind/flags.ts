/** The one place that knows how a Docker-in-Docker node container must be started. */
import type Docker from "dockerode";

/** --privileged where the host allows it. */
export const PRIVILEGED: Docker.HostConfig = { Privileged: true };

/**
 * Hosts without CAP_SYS_RESOURCE refuse --privileged ("unable to apply caps"). This set gives the
 * inner engine what it needs: every other capability, no seccomp/AppArmor filter, writable /proc
 * and /sys paths, and every device; the entrypoint remounts /sys and the cgroups read-write.
 */
export const UNPRIVILEGED: Docker.HostConfig = {
  CapAdd: ["ALL"],
  CapDrop: ["SYS_RESOURCE"],
  SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
  // What the CLI's --security-opt systempaths=unconfined means in the API.
  MaskedPaths: [],
  ReadonlyPaths: [],
  DeviceCgroupRules: ["a *:* rwm"],
};

/** Where a node's engine certificate is placed at each start (a tmpfs: never on disk). */
export const NODE_TLS_DIR = "/run/lab-tls";

export function nodeHostConfig(
  privileged: boolean,
  volume: string,
  network: string,
): Docker.HostConfig {
  return {
    ...(privileged ? PRIVILEGED : UNPRIVILEGED),
    // An init reaps the shims of finished containers, which otherwise stay as zombies.
    Init: true,
    Binds: [`${volume}:/var/lib/docker`],
    Tmpfs: { [NODE_TLS_DIR]: "rw,noexec,nosuid,size=1m,mode=0700" },
    NetworkMode: network,
    RestartPolicy: { Name: "no" },
  };
}

export function refusesPrivileged(err: unknown): boolean {
  return /unable to apply caps|operation not permitted/i.test(String((err as Error).message));
}
