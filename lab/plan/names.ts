/** Names and labels of everything the lab creates. Labels are the lab's only state. */
export const LABEL_LAB = "lab.name";
export const LABEL_KIND = "lab.kind";
export const LABEL_INDEX = "lab.index";
/** On what `lab:down` keeps unless told --purge (its value says what it holds). */
export const LABEL_KEEP = "lab.keep";

export type ResourceKind = "node" | "edge" | "registry" | "network" | "volume" | "image";

export function labels(lab: string, kind: ResourceKind, extra: Record<string, string> = {}) {
  return { [LABEL_LAB]: lab, [LABEL_KIND]: kind, ...extra };
}

export const names = {
  node: (lab: string, i: number) => `${lab}-node-${i}`,
  nodeVolume: (lab: string, i: number) => `${lab}-node-${i}-docker`,
  /** pgBackRest's repository: outlives the nodes (lab:down keeps it unless --purge). */
  backups: (lab: string) => `${lab}-backups`,
  network: (lab: string) => `${lab}-net`,
  edge: (lab: string) => `${lab}-edge`,
  /** The registry the nodes pull the stack's images from (lab/plan/registry.ts). */
  registry: (lab: string) => `${lab}-registry`,
  stack: (lab: string) => lab,
};

/** The file in the state directory that holds Alertmanager's rendered configuration. */
export const ALERTMANAGER_FILE = "alertmanager.yml";
