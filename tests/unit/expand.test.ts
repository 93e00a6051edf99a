/** The example expand migration as the deploy drill reads it, and what it decides from the schema. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  EXAMPLE_PATH,
  expandPlan,
  parseExample,
  parseSchemaState,
  schemaStateSql,
  undoSql,
} from "../../lab/deploy/expand.js";
import { derivedDockerfile } from "../../lab/deploy/plan.js";

const root = join(import.meta.dirname, "../..");
const source = readFileSync(join(root, EXAMPLE_PATH), "utf8");
const ex = parseExample(source);

describe("the example expand migration", () => {
  it("is read from its file: revision, the revision it follows, the column it adds", () => {
    expect(ex).toEqual({
      file: EXAMPLE_PATH,
      revision: "e0001",
      revises: "0004",
      table: "users",
      column: "nickname",
    });
  });

  it("follows the app's newest migration (else the migrate job would find two heads)", () => {
    const newest = readdirSync(join(root, "app/migrations/versions"))
      .filter((f) => /^\d{4}_.*\.py$/.test(f))
      .sort()
      .at(-1);
    expect(newest?.slice(0, 4)).toBe(ex.revises);
  });

  it("refuses a file that is not a single add_column, or names that are not identifiers", () => {
    expect(() => parseExample('revision = "e1"\ndown_revision = "0004"\n')).toThrow(
      /needs revision, down_revision and one op.add_column/,
    );
    expect(() =>
      parseExample(
        'revision = "e1"\ndown_revision = "0004"\nop.add_column("users; drop", sa.Column("x"))',
      ),
    ).toThrow(/"users; drop" is not a plain SQL identifier/);
  });

  it("a derived version copies it among the migrations and says so in a label", () => {
    const text = derivedDockerfile("swarm-lab/app:offline-abc", "1", false, {
      fileName: "e0001_users_nickname.py",
      revision: "e0001",
    });
    expect(text).toMatch(/^COPY e0001_users_nickname\.py \/app\/migrations\/versions\/$/m);
    expect(text).toMatch(/^LABEL lab\.example-migration="e0001"$/m);
    // the app image keeps its migrations there
    expect(readFileSync(join(root, "app/Dockerfile"), "utf8")).toMatch(
      /COPY .*migrations\/ migrations\//,
    );
  });
});

describe("what the drill does with the schema it finds", () => {
  const at = (revision: string, columnPresent = false, runningCarriesExample = false) =>
    expandPlan(ex, { revision, columnPresent, runningCarriesExample });

  it("applies on the app's head without the column", () => {
    expect(at("0004")).toBe("apply");
  });

  it("undoes first what an earlier run left, when the running version does not know it", () => {
    expect(at("e0001", true)).toBe("undo-first");
  });

  it("refuses when the running version carries the example, or on another revision", () => {
    expect(at("e0001", true, true)).toMatchObject({
      problem: "the running version already carries the example migration e0001",
      fix: expect.stringMatching(/lab:rollback/),
    });
    expect(at("0003")).toMatchObject({
      problem: "the schema is at revision 0003; the example e0001 revises 0004",
    });
    expect(at("0004", true)).toMatchObject({
      problem: expect.stringMatching(/users\.nickname exists/),
    });
  });

  it("reads the schema in one query and parses its answer", () => {
    expect(schemaStateSql(ex)).toMatch(/alembic_version.*information_schema\.columns/s);
    expect(parseSchemaState("0004 false\n")).toEqual({ revision: "0004", columnPresent: false });
    expect(parseSchemaState("e0001 true")).toEqual({ revision: "e0001", columnPresent: true });
    expect(() => parseSchemaState("")).toThrow(/unexpected answer reading the schema/);
  });

  it("undoes in one transaction: the column dropped, the revision back", () => {
    expect(undoSql(ex)).toBe(
      "BEGIN; ALTER TABLE users DROP COLUMN IF EXISTS nickname; UPDATE alembic_version SET version_num = '0004' WHERE version_num = 'e0001'; COMMIT;",
    );
  });
});
