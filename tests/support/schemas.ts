/** The JSON schemas beside the project (../shared/schemas); absent in a user's clone. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { REPO_ROOT } from "../../lab/state/paths.js";

export const SCHEMAS_DIR = join(REPO_ROOT, "../shared/schemas");
export const schemasPresent = existsSync(SCHEMAS_DIR);

export function validatorFor(schemaFile: string) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, schemaFile), "utf8"));
  // Draft-04 schemas (Grafana's) name themselves with `id`, which ajv reads as `$id`.
  if (typeof schema.id === "string") {
    schema.$id = schema.id;
    delete schema.id;
  }
  const validate = ajv.compile(schema);
  return (data: unknown) =>
    validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
