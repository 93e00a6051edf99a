/** Pure: stack template + values -> the stack file to deploy. */
import { parse, stringify } from "yaml";
import { LabError } from "../errors.js";

export type StackVars = Record<string, string | number>;
export type FileResolver = (file: string) => { path: string; hash: string };

type Doc = Record<string, unknown>;

export class StackTemplateError extends LabError {
  constructor(message: string) {
    super(message, "every placeholder in compose/lab.yml needs a value in lab/plan/vars.ts", 1);
  }
}

/** Replaces ${NAME} in every string; a string that is only ${NAME} takes the value's type. */
export function interpolate(value: unknown, vars: StackVars, missing: Set<string>): unknown {
  if (typeof value === "string") {
    const whole = /^\$\{(\w+)\}$/.exec(value);
    if (whole?.[1] !== undefined) {
      const v = vars[whole[1]];
      if (v === undefined) missing.add(whole[1]);
      return v ?? value;
    }
    return value.replace(/\$\{(\w+)\}/g, (m, name: string) => {
      const v = vars[name];
      if (v === undefined) missing.add(name);
      return v === undefined ? m : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars, missing));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, vars, missing)]),
    );
  }
  return value;
}

const MERGED = ["services", "networks", "volumes", "configs", "secrets"] as const;

/** Pure: the base template with the image set's additions; a name defined twice is an error. */
export function mergeTemplates(docs: Doc[]): Doc {
  const [base = {}, ...extras] = docs;
  const out: Doc = { ...base };
  for (const extra of extras) {
    for (const section of MERGED) {
      const add = (extra[section] ?? {}) as Doc;
      const have = (out[section] ?? {}) as Doc;
      const twice = Object.keys(add).filter((k) => k in have);
      if (twice.length > 0) {
        throw new StackTemplateError(`${section} defined twice in the stack templates: ${twice}`);
      }
      if (Object.keys(add).length > 0) out[section] = { ...have, ...add };
    }
  }
  return out;
}

export function renderStack(
  templateText: string | string[],
  stack: string,
  vars: StackVars,
  resolveFile: FileResolver,
): Doc {
  const texts = Array.isArray(templateText) ? templateText : [templateText];
  const template = mergeTemplates(texts.map((t) => parse(t, { merge: true }) as Doc));
  const missing = new Set<string>();
  const doc = interpolate(template, { ...vars, STACK: stack }, missing) as Doc;
  if (missing.size > 0) {
    throw new StackTemplateError(
      `stack template uses unknown values: ${[...missing].sort().join(", ")}`,
    );
  }
  for (const key of Object.keys(doc)) if (key.startsWith("x-")) delete doc[key];
  for (const section of ["configs", "secrets"] as const) {
    const entries = (doc[section] ?? {}) as Record<string, { file?: string; name?: string }>;
    for (const [name, entry] of Object.entries(entries)) {
      if (!entry.file) continue;
      const { path, hash } = resolveFile(entry.file);
      // Swarm configs and secrets are immutable: a new content needs a new name.
      entries[name] = { ...entry, file: path, name: `${stack}_${name}_${hash.slice(0, 10)}` };
    }
  }
  return doc;
}

export function stackToYaml(doc: Doc): string {
  return stringify(doc, { lineWidth: 0 });
}

/** Services of a rendered stack with the replicas they should reach (global = per node). */
export interface ExpectedService {
  name: string;
  replicas: number;
  /** A one-shot Swarm job (migrations): done when its task completed, not while it runs. */
  job?: true;
}

export function expectedServices(doc: Doc, nodes: number): ExpectedService[] {
  const services = (doc.services ?? {}) as Record<
    string,
    { deploy?: { mode?: string; replicas?: number } }
  >;
  return Object.entries(services).map(([name, svc]) => {
    const mode = svc.deploy?.mode;
    if (mode === "replicated-job") return { name, replicas: 1, job: true };
    return { name, replicas: mode === "global" ? nodes : (svc.deploy?.replicas ?? 1) };
  });
}
