/** Pure: the ssh command lines the ssh driver runs on a host (engine stop and start). */
import { BACKUP_NODE_PATH } from "../../plan/nodes.js";
import type { InventoryHost } from "./inventory.js";

/**
 * The engine and every container on the host stop, as they would on a crashed node; the host
 * itself stays up (over SSH nothing could power it on again). systemd hosts, then SysV init.
 */
export const ENGINE_STOP =
  "sudo -n sh -c 'if [ -d /run/systemd/system ]; then systemctl stop docker.socket docker.service; else service docker stop; fi'";
export const ENGINE_START =
  "sudo -n sh -c 'if [ -d /run/systemd/system ]; then systemctl start docker.service; else service docker start; fi'";

/** The backup repository's folder emptied (the stack binds it: the folder itself stays). */
export const EMPTY_BACKUPS = `sudo -n find ${BACKUP_NODE_PATH} -mindepth 1 -delete`;

/** ssh's arguments: no password prompt, a bounded connect, host keys learnt once per file. */
export function sshArgs(host: InventoryHost, knownHosts: string, remote: string): string[] {
  return [
    ...["-o", "BatchMode=yes", "-o", "ConnectTimeout=10"],
    ...["-o", "StrictHostKeyChecking=accept-new", "-o", `UserKnownHostsFile=${knownHosts}`],
    ...["-p", String(host.sshPort)],
    ...(host.keyFile ? ["-i", host.keyFile] : []),
    host.user ? `${host.user}@${host.sshHost}` : host.sshHost,
    remote,
  ];
}
