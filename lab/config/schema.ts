/** The lab's configuration: one zod schema gives the types, the validation and the JSON schema. */
import { z } from "zod";

const port = z.number().int().min(1).max(65_535);
const hostname = z
  .string()
  .regex(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, {
    message: "must be a lower-case DNS name with at least two labels, e.g. lab.localhost",
  });

const UNIT_S = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
/** A number and a unit: "90s", "30m", "24h", "7d" (configuration and CLI flags alike). */
export const DURATION = /^[1-9][0-9]{0,5}[smhd]$/;
const duration = z.string().regex(DURATION, {
  message: 'must be a number and a unit (s, m, h, d), e.g. "30m" or "24h"',
});

/** Seconds in a duration the schema accepted ("90s", "30m", "24h", "7d"). */
export function durationSeconds(text: string): number {
  return Number(text.slice(0, -1)) * UNIT_S[text.slice(-1) as keyof typeof UNIT_S];
}

const days = z.string().regex(/^[1-9][0-9]{0,3}d$/, {
  message: 'must be whole days, e.g. "7d" (log stores keep and drop data by the day)',
});
const sizeMiB = z.number().int().min(64).max(1_048_576);

const store = (what: string, retention: string, maxSizeMiB: number) =>
  z
    .strictObject({
      retention: days.default(retention).describe(`How long ${what} are kept`),
      maxSizeMiB: sizeMiB
        .default(maxSizeMiB)
        .describe(`Disk cap of the ${what} store in MiB: the oldest data goes first beyond it`),
    })
    .default({ retention, maxSizeMiB });

const cooldown = (d: string) =>
  duration.default(d).describe("Least time between two of these actions on one service");
const onOff = z.boolean().default(true);
const secretFile = z
  .string()
  .min(1)
  .describe("Path of a file holding the secret (given to Alertmanager as a Docker secret)");

const alertingDefaults = {
  dryRun: false,
  rateLimit: { actions: 6, per: "1h" },
  actions: {
    scaleUp: { enabled: true, max: 5, cooldown: "2m", quietPeriod: "10m" },
    backup: { enabled: true, cooldown: "30m" },
    redeploy: { enabled: true, cooldown: "30m" },
    rebalance: { enabled: true, cooldown: "30m" },
  },
  thresholds: { appLatencyP95: 0.5, appCpu: 0.8 },
  receivers: { webhooks: [] as Array<{ url: string; tokenFile?: string }> },
};

const alerting = z
  .strictObject({
    dryRun: z
      .boolean()
      .default(false)
      .describe("Automatic actions log their decision and change nothing"),
    rateLimit: z
      .strictObject({
        actions: z.number().int().min(1).max(100).default(6),
        per: duration.default("1h"),
      })
      .default(alertingDefaults.rateLimit)
      .describe("At most this many automatic actions in this window, all actions together"),
    actions: z
      .strictObject({
        scaleUp: z
          .strictObject({
            enabled: onOff,
            max: z.number().int().min(1).max(9).default(5).describe("Most app replicas"),
            cooldown: cooldown("2m"),
            quietPeriod: duration
              .default("10m")
              .describe("Back down one replica after this long without saturation"),
          })
          .default(alertingDefaults.actions.scaleUp),
        backup: z
          .strictObject({ enabled: onOff, cooldown: cooldown("30m") })
          .default(alertingDefaults.actions.backup),
        redeploy: z
          .strictObject({ enabled: onOff, cooldown: cooldown("30m") })
          .default(alertingDefaults.actions.redeploy),
        rebalance: z
          .strictObject({ enabled: onOff, cooldown: cooldown("30m") })
          .default(alertingDefaults.actions.rebalance),
      })
      .default(alertingDefaults.actions),
    thresholds: z
      .strictObject({
        appLatencyP95: z.number().min(0.01).max(60).default(0.5).describe("Seconds (AppSaturated)"),
        appCpu: z
          .number()
          .min(0.05)
          .max(8)
          .default(0.8)
          .describe("Cores per app task (AppSaturated)"),
        backupMaxAge: duration
          .optional()
          .describe("BackupTooOld; unset: two differential intervals"),
      })
      .default(alertingDefaults.thresholds),
    receivers: z
      .strictObject({
        email: z
          .strictObject({
            to: z.email(),
            from: z.email(),
            smarthost: z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, { message: "must be host:port" }),
            username: z.string().optional(),
            passwordFile: secretFile.optional(),
            requireTls: z.boolean().default(true),
          })
          .optional(),
        slack: z.strictObject({ urlFile: secretFile, channel: z.string().min(1) }).optional(),
        webhooks: z
          .array(
            z.strictObject({
              url: z.url({ protocol: /^https?$/ }),
              tokenFile: secretFile.optional(),
            }),
          )
          .max(5)
          .default([]),
      })
      .default(alertingDefaults.receivers)
      .describe("Where notifications go besides the lab's own receiver"),
  })
  .default(alertingDefaults);

export const ConfigSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9]{0,15}$/, {
        message: "must be 1-16 lower-case letters or digits, starting with a letter",
      })
      .default("lab")
      .describe("Prefix of every container, volume, network and of the stack"),
    driver: z
      .enum(["dind", "ssh", "vagrant"])
      .default("dind")
      .describe(
        "What a node is: a Docker-in-Docker container, a host of the inventory (ssh), a Vagrant VM",
      ),
    inventory: z
      .string()
      .min(1)
      .optional()
      .describe(
        "driver ssh: the Ansible inventory of the hosts (group swarm_nodes), provisioned by scripts/provision/playbook.yml",
      ),
    provider: z
      .enum(["virtualbox", "libvirt"])
      .default("virtualbox")
      .describe("driver vagrant: the hypervisor Vagrant runs the VMs on"),
    nodes: z.number().int().min(1).max(5).default(3).describe("Swarm managers (3 keeps quorum)"),
    images: z.enum(["official", "offline", "auto"]).default("auto"),
    domain: hostname.default("lab.localhost").describe("Every URL is a name under this domain"),
    bind: z.ipv4().default("127.0.0.1").describe("Host address the entry point listens on"),
    ports: z
      .strictObject({ https: port.default(443), http: port.default(80) })
      .default({ https: 443, http: 80 }),
    app: z
      .strictObject({ replicas: z.number().int().min(1).max(9).default(3) })
      .default({ replicas: 3 }),
    database: z
      .strictObject({
        synchronous: z
          .boolean()
          .default(true)
          .describe(
            "Patroni synchronous_mode: no acknowledged write lost on failover; writes wait for the replica",
          ),
      })
      .default({ synchronous: true }),
    backup: z
      .strictObject({
        full: duration.default("24h").describe("Interval between scheduled full backups"),
        diff: duration.default("1h").describe("Interval between scheduled differential backups"),
        retentionFull: z
          .number()
          .int()
          .min(1)
          .max(30)
          .default(2)
          .describe("Full backups kept (with their differentials and WAL)"),
        archiveTimeoutS: z
          .number()
          .int()
          .min(10)
          .max(3600)
          .default(60)
          .describe("Postgres archive_timeout: the most data (in seconds) a total loss can take"),
      })
      .default({ full: "24h", diff: "1h", retentionFull: 2, archiveTimeoutS: 60 }),
    observability: z
      .strictObject({
        logs: store("logs", "7d", 2048),
        metrics: store("metrics", "7d", 2048),
      })
      .default({
        logs: { retention: "7d", maxSizeMiB: 2048 },
        metrics: { retention: "7d", maxSizeMiB: 2048 },
      }),
    deploy: z
      .strictObject({
        strategy: z
          .enum(["rolling", "blue-green"])
          .default("rolling")
          .describe(
            "How lab:deploy replaces the app (rolling: one task at a time, start-first; blue-green: a second colour started, tested, then switched to)",
          ),
        watchS: z
          .number()
          .int()
          .min(0)
          .max(600)
          .default(15)
          .describe("Seconds of probes through Traefik after a rollout before it counts as done"),
        maxErrorRatio: z
          .number()
          .min(0)
          .max(1)
          .default(0.01)
          .describe("Share of failed probes in the watch window that rolls the deploy back"),
        timeoutS: z
          .number()
          .int()
          .min(30)
          .max(1800)
          .default(240)
          .describe("The longest a rollout or a rollback may take"),
        warmS: z
          .number()
          .int()
          .min(0)
          .max(86_400)
          .default(60)
          .describe(
            "Blue-green: seconds the old colour is kept warm after the switch (lab:rollback switches back at once) before it is retired",
          ),
      })
      .default({ strategy: "rolling", watchS: 15, maxErrorRatio: 0.01, timeoutS: 240, warmS: 60 }),
    alerting,
  })
  .refine((c) => c.driver !== "ssh" || c.inventory !== undefined, {
    message:
      "driver ssh needs the hosts' inventory: inventory: path/to/inventory.yml (the file the provisioning play ran on)",
    path: ["inventory"],
  })
  .refine((c) => c.alerting.actions.scaleUp.max >= c.app.replicas, {
    message:
      "alerting.actions.scaleUp.max must be at least app.replicas (scaling never goes below the configured count)",
    path: ["alerting", "actions", "scaleUp", "max"],
  });

export type LabConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: "input" });
}
