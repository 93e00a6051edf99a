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

export const ConfigSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,15}$/, {
      message: "must be 1-16 lower-case letters or digits, starting with a letter",
    })
    .default("lab")
    .describe("Prefix of every container, volume, network and of the stack"),
  driver: z.enum(["dind", "vagrant"]).default("dind").describe("What a node is"),
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
});

export type LabConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: "input" });
}
