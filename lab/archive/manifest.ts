/** Pure: what a lab save archive holds, and whether an archive can be loaded. */

export const ARCHIVE_FORMAT = 1;

/** State-folder entries saved (generated files such as stack.yml are made again by up). */
export const STATE_ENTRIES = ["ca", "tls", "secrets"];

/** Data volumes saved: Prometheus' history (Grafana's joins when the stack has Grafana). */
export const SAVED_VOLUMES = [
  { volume: "promdata", service: "prometheus", placement: "lab.prometheus" },
];

export interface Manifest {
  format: number;
  lab: string;
  createdAt: string;
  state: string[];
  config: string | null;
  volumes: string[];
  /** what was not saved, and why */
  skipped: string[];
}

export function makeManifest(
  lab: string,
  config: string | null,
  volumes: string[],
  skipped: string[],
  now = new Date(),
): Manifest {
  return {
    format: ARCHIVE_FORMAT,
    lab,
    createdAt: now.toISOString(),
    state: STATE_ENTRIES,
    config,
    volumes,
    skipped,
  };
}

/** Problems that make an archive unusable for this lab (empty when it loads). */
export function manifestProblems(raw: unknown, lab: string): string[] {
  const m = raw as Partial<Manifest> | null;
  if (!m || typeof m !== "object") return ["manifest.json is missing or not an object"];
  const problems: string[] = [];
  if (m.format !== ARCHIVE_FORMAT) {
    problems.push(
      `archive format ${String(m.format)} is not ${ARCHIVE_FORMAT} (made by another version)`,
    );
  }
  if (m.lab !== lab)
    problems.push(
      `the archive is of lab "${String(m.lab)}", not "${lab}" (use --name ${String(m.lab)})`,
    );
  if (!Array.isArray(m.state) || !m.state.includes("ca")) problems.push("the archive holds no CA");
  return problems;
}
