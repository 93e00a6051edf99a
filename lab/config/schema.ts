/** The lab's configuration: one zod schema gives the types, the validation and the JSON schema. */
import { z } from "zod";

const port = z.number().int().min(1).max(65_535);
const hostname = z
  .string()
  .regex(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, {
    message: "must be a lower-case DNS name with at least two labels, e.g. lab.localhost",
  });

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
});

export type LabConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

export function configJsonSchema(): unknown {
  return z.toJSONSchema(ConfigSchema, { io: "input" });
}
