/** The database members as things to stop, wipe and start again (restore, disaster drill). */
import { leaderOf, MEMBERS, patroniCluster } from "../database/patroni.js";
import { names } from "../plan/names.js";
import { placements } from "../plan/nodes.js";
import type { RunningLab } from "../running/lab.js";
import { type Engine, execIn } from "../runtime/docker.js";
import { noContainerOf, scaleService, secondsUntil } from "../swarm/steer.js";
import { runningTasks } from "../swarm/tasks.js";
import { runOnVolume, serviceImage } from "../swarm/volumes.js";

export const DATA_MOUNT = "/var/lib/postgresql/data";

const service = (lab: RunningLab, member: string) => `${names.stack(lab.config.name)}_${member}`;

/** The engine of the node a member is pinned to (its volume lives there). */
export function memberEngine(lab: RunningLab, member: string): { engine: Engine; node: string } {
  const index = placements(lab.config.nodes)[`lab.${member}`];
  const node = lab.nodes.find((n) => n.index === index);
  if (!index || !node) throw new Error(`no lab node for ${member} (index ${index})`);
  return { engine: lab.driver.engine(node), node: node.name };
}

/** Stops every member (SIGKILL first when `kill`, as a crash) and waits until none runs. */
export async function stopMembers(lab: RunningLab, opts: { kill: boolean }): Promise<void> {
  const manager = lab.manager();
  for (const m of MEMBERS) {
    if (opts.kill) {
      const { engine } = memberEngine(lab, m);
      for (const t of await runningTasks(manager, service(lab, m))) {
        await engine.containers.kill(t.container).catch(() => {});
      }
    }
    await scaleService(manager, service(lab, m), 0);
  }
  const gone = await secondsUntil(async () => {
    for (const m of MEMBERS) {
      if (!(await noContainerOf(memberEngine(lab, m).engine, service(lab, m)))) return false;
    }
    return true;
  }, 90_000);
  if (gone === null) throw new Error("the database members did not stop within 90 s");
}

export async function startMember(lab: RunningLab, member: string): Promise<void> {
  await scaleService(lab.manager(), service(lab, member), 1);
}

/** Runs a shell script as root in a throwaway container with the member's volume on /data. */
export async function onMemberVolume(
  lab: RunningLab,
  member: string,
  script: string,
): Promise<string> {
  return runOnVolume(
    {
      engine: memberEngine(lab, member).engine,
      image: await serviceImage(lab.manager(), service(lab, member)),
      volume: `${service(lab, member)}data`,
      lab: lab.config.name,
    },
    script,
  );
}

/** Removes the cluster's keys from etcd, so the next member bootstraps a new one. */
export async function clearClusterKeys(lab: RunningLab): Promise<void> {
  const manager = lab.manager();
  const errors: string[] = [];
  for (const e of ["etcd1", "etcd2", "etcd3"]) {
    for (const t of await runningTasks(manager, service(lab, e)).catch(() => [])) {
      const node = lab.nodes.find((n) => n.name === t.node);
      if (!node) continue;
      try {
        await execIn(lab.driver.engine(node), t.container, [
          "env",
          "ETCDCTL_API=3",
          "etcdctl",
          // Mutual TLS: the member's own certificate (client and server) from etcd's CA.
          "--endpoints=https://127.0.0.1:2379",
          "--cacert=/run/secrets/etcd_ca",
          "--cert=/run/secrets/etcd_cert",
          "--key=/run/secrets/etcd_key",
          "del",
          "--prefix",
          `/service/${names.stack(lab.config.name)}/`,
        ]);
        return;
      } catch (err) {
        errors.push(`${e}: ${(err as Error).message}`);
      }
    }
  }
  throw new Error(
    `could not clear the cluster's keys in etcd (${errors.join("; ") || "no etcd member running"})`,
  );
}

/** Seconds until `member` is the running leader, or null after timeoutMs. */
export function leaderWithin(
  lab: RunningLab,
  member: string,
  timeoutMs: number,
): Promise<number | null> {
  return secondsUntil(async () => leaderOf(await patroniCluster(lab))?.name === member, timeoutMs);
}

/** Seconds until a member other than the leader streams from it, or null after timeoutMs. */
export function replicaWithin(lab: RunningLab, timeoutMs: number): Promise<number | null> {
  return secondsUntil(async () => {
    const members = await patroniCluster(lab);
    return members.some((m) => m.role !== "leader" && ["running", "streaming"].includes(m.state));
  }, timeoutMs);
}

/** Runs SQL as the postgres superuser in the leader's container (peer authentication). */
export async function sqlOnLeader(lab: RunningLab, sql: string): Promise<string> {
  const leader = leaderOf(await patroniCluster(lab));
  if (!leader) throw new Error("no running database leader");
  const { engine } = memberEngine(lab, leader.name);
  return execIn(engine, leader.container, [
    "setpriv",
    "--reuid=postgres",
    "--regid=postgres",
    "--init-groups",
    "psql",
    "-h",
    "/var/run/postgresql",
    "-d",
    "app",
    "-v",
    "ON_ERROR_STOP=1",
    "-Atc",
    sql,
  ]);
}
