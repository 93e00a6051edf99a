/** The JSON schemas beside the project (../shared/schemas); absent in a user's clone. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { REPO_ROOT } from "../../lab/state/paths.js";

export const SCHEMAS_DIR = join(REPO_ROOT, "../shared/schemas");
export const schemasPresent = existsSync(SCHEMAS_DIR);

/**
 * The retry middleware's fields that Traefik 3.7 added (its `Retry` struct in
 * pkg/config/dynamic/middlewares.go at v3.7.13), which the shared file-provider schema predates.
 */
export const TRAEFIK_37_RETRY_FIELDS = {
  status: { type: "array", items: { type: "string" } },
  timeout: { type: "string" },
  maxRequestBodyBytes: { type: "integer" },
  disableRetryOnNetworkError: { type: "boolean" },
  retryNonIdempotentMethod: { type: "boolean" },
};

type Schema = Record<string, unknown> & { definitions?: Record<string, Record<string, object>> };

export function validatorFor(schemaFile: string, amend: (schema: Schema) => void = () => {}) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, schemaFile), "utf8"));
  amend(schema);
  // Draft-04 schemas (Grafana's) name themselves with `id`, which ajv reads as `$id`.
  if (typeof schema.id === "string") {
    schema.$id = schema.id;
    delete schema.id;
  }
  const validate = ajv.compile(schema);
  return (data: unknown) =>
    validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Adds Traefik 3.7's retry fields to the file-provider schema (nothing else changes). */
export function withTraefik37Retry(schema: Schema): void {
  const retry = schema.definitions?.retryMiddleware;
  if (!retry) throw new Error("the Traefik file-provider schema has no retryMiddleware");
  retry.properties = { ...retry.properties, ...TRAEFIK_37_RETRY_FIELDS };
}
