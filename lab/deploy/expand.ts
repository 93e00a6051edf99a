/**
 * The example expand migration (app/migrations/examples), read from its file so the drill follows
 * what the file says: which revision it is, which it revises, which column it adds. Pure: the
 * drill reads the file and the schema, these functions judge and write the SQL.
 */

/** Where the example lives in the repository, and where a version carrying it has it. */
export const EXAMPLE_PATH = "app/migrations/examples/e0001_users_nickname.py";
export const EXAMPLE_IN_IMAGE = "/app/migrations/versions/";
/** The image label of a version built with the example (its value: the example's revision). */
export const EXAMPLE_LABEL = "lab.example-migration";

export interface ExpandExample {
  file: string;
  revision: string;
  revises: string;
  table: string;
  column: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const REVISION = /^[a-z0-9_]+$/;

/** The example's revision, the one it revises, and the column it adds; throws on anything else. */
export function parseExample(source: string, file = EXAMPLE_PATH): ExpandExample {
  const revision = /^revision\s*=\s*"([^"]+)"/m.exec(source)?.[1];
  const revises = /^down_revision\s*=\s*"([^"]+)"/m.exec(source)?.[1];
  const add = /op\.add_column\(\s*"([^"]+)"\s*,\s*sa\.Column\(\s*"([^"]+)"/.exec(source);
  const [table, column] = [add?.[1], add?.[2]];
  if (!revision || !revises || !table || !column)
    throw new Error(
      `${file} is not an expand example the drill can run: it needs revision, down_revision and one op.add_column("table", sa.Column("column", ...))`,
    );
  for (const name of [table, column])
    if (!IDENT.test(name)) throw new Error(`${file}: "${name}" is not a plain SQL identifier`);
  for (const name of [revision, revises])
    if (!REVISION.test(name)) throw new Error(`${file}: "${name}" is not a plain revision id`);
  return { file, revision, revises, table, column };
}

/** The schema as the drill reads it before deploying. */
export interface SchemaState {
  revision: string;
  columnPresent: boolean;
  /** the running version's image carries the example (a drill stopped before undoing it) */
  runningCarriesExample: boolean;
}

/**
 * Why the example cannot be deployed now (null when it can), and what to do. The one state the
 * drill repairs by itself is a column left by an earlier run whose undo did not finish while the
 * running version does not know it: that is `undoNeeded`.
 */
export function expandPlan(
  ex: ExpandExample,
  s: SchemaState,
): { problem: string; fix: string } | "apply" | "undo-first" {
  if (s.runningCarriesExample)
    return {
      problem: `the running version already carries the example migration ${ex.revision}`,
      fix: "deploy the version before it first (npm run lab:rollback), then run the drill again",
    };
  if (s.revision === ex.revision) return "undo-first";
  if (s.revision !== ex.revises || s.columnPresent)
    return {
      problem: `the schema is at revision ${s.revision}${s.columnPresent ? ` and ${ex.table}.${ex.column} exists` : ""}; the example ${ex.revision} revises ${ex.revises}`,
      fix: `the example follows the app's head ${ex.revises}: update ${ex.file} (down_revision) to the app's newest migration`,
    };
  return "apply";
}

/** Reads the schema's revision and whether the example's column exists, in one query. */
export function schemaStateSql(ex: ExpandExample): string {
  return `SELECT (SELECT version_num FROM alembic_version LIMIT 1) || ' ' || EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${ex.table}' AND column_name = '${ex.column}')`;
}

/** The answer of schemaStateSql: "0004 false". */
export function parseSchemaState(out: string): { revision: string; columnPresent: boolean } {
  const [revision, present] = out.trim().split(" ");
  if (!revision || (present !== "true" && present !== "false"))
    throw new Error(`unexpected answer reading the schema: "${out.trim()}"`);
  return { revision, columnPresent: present === "true" };
}

/**
 * The contract step of a drill, once the version before the example serves again: the column
 * dropped (it holds nothing that version wrote) and the revision back, in one transaction.
 */
export function undoSql(ex: ExpandExample): string {
  return `BEGIN; ALTER TABLE ${ex.table} DROP COLUMN IF EXISTS ${ex.column}; UPDATE alembic_version SET version_num = '${ex.revises}' WHERE version_num = '${ex.revision}'; COMMIT;`;
}
