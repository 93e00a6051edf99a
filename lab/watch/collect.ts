/**
 * What `lab:watch` reads, each source on its own period and with its own timeout, so one that
 * hangs (a node just killed) never freezes the others. Cheap reads only: the Swarm API of one
 * manager, one Patroni member's REST API, Prometheus and Alertmanager through Traefik.
 */
import { promQuery } from "../alerts/prometheus.js";
import { getJson } from "../alerts/read.js";
import type { AmAlert } from "../alerts/view.js";
import { patroniCluster } from "../database/patroni.js";
import type { RunningLab } from "../running/lab.js";
import type { Clock } from "../runtime/clock.js";
import type { WatchState } from "./model.js";
import {
  type RawService,
  type RawSwarmNode,
  type RawTask,
  watchNodes,
  watchServices,
} from "./swarm.js";

type Patch = Partial<WatchState>;
export interface Source {
  name: keyof WatchState["errors"];
  everyMs: number;
  read(): Promise<Patch>;
}

const scalar = (r: Array<{ value: [number, string] }>) => Number(r[0]?.value[1] ?? 0);

export function sources(lab: RunningLab, clock: Clock, traffic: "prometheus" | "drill"): Source[] {
  const list: Source[] = [
    {
      name: "nodes",
      everyMs: 1000,
      read: async () => {
        await lab.refreshNodes();
        const engine = lab.manager();
        const [nodes, services, tasks] = await Promise.all([
          engine.swarm.nodes() as Promise<RawSwarmNode[]>,
          engine.services.list({
            label: [`com.docker.stack.namespace=${lab.config.name}`],
          }) as Promise<RawService[]>,
          engine.services.tasks() as Promise<RawTask[]>,
        ]);
        return {
          nodes: watchNodes(lab.nodes, nodes),
          services: watchServices(services, tasks, nodes, clock.now()),
        };
      },
    },
    {
      name: "database",
      everyMs: 2000,
      read: async () => ({ database: await patroniCluster(lab) }),
    },
    {
      name: "alerts",
      everyMs: 2000,
      read: async () => {
        const firing = await getJson<AmAlert[]>(
          lab,
          "/api/v2/alerts?active=true",
          "Alertmanager",
          3000,
        );
        const now = clock.now();
        return {
          alerts: firing
            .filter((a) => a.status.state === "active")
            .map((a) => ({
              name: a.labels.alertname ?? "?",
              severity: a.labels.severity ?? "-",
              sinceS: (now - Date.parse(a.startsAt)) / 1000,
            })),
        };
      },
    },
    {
      name: "backup",
      everyMs: 10_000,
      read: async () => {
        const [byType, wal] = await Promise.all([
          promQuery(
            lab,
            "time() - max by (type) (lab_backup_last_success_timestamp_seconds > 0)",
            3000,
          ),
          promQuery(lab, "time() - max(lab_wal_last_archived_timestamp_seconds > 0)", 3000),
        ]);
        return {
          backup: {
            ageByType: Object.fromEntries(
              byType
                .filter((r) => r.metric.type && r.metric.type !== "any")
                .map((r) => [r.metric.type as string, Number(r.value[1])]),
            ),
            walAgeS: wal.length ? scalar(wal) : null,
          },
        };
      },
    },
  ];
  if (traffic === "prometheus")
    list.push({
      name: "traffic",
      everyMs: 5000,
      read: async () => {
        const [ok, failed] = await Promise.all([
          promQuery(lab, 'sum(irate(traefik_service_requests_total{code!~"5.."}[20s]))', 3000),
          promQuery(lab, 'sum(irate(traefik_service_requests_total{code=~"5.."}[20s]))', 3000),
        ]);
        return { traffic: [{ at: clock.now(), okPerS: scalar(ok), failedPerS: scalar(failed) }] };
      },
    });
  return list;
}
