/** Pure: a k6 profile and the lab's configuration -> the `docker run` of the upstream k6 image. */
import { EXIT, LabError } from "../errors.js";

/** The k6 image, the same major and minor as the pinned @types/k6 the scripts are checked with. */
export const K6_IMAGE = "grafana/k6:2.3.0";
export const K6_PROFILES = ["smoke", "load", "stress", "spike", "failover"] as const;
export type K6Profile = (typeof K6_PROFILES)[number];

/** k6 exits with 99 when a threshold fails. */
export const K6_THRESHOLDS_FAILED = 99;

export function k6Profile(name: string): K6Profile {
  if ((K6_PROFILES as readonly string[]).includes(name)) return name as K6Profile;
  throw new LabError(
    `there is no k6 profile "${name}"`,
    `use one of ${K6_PROFILES.join(", ")}, e.g. npm run lab:k6 -- smoke`,
    EXIT.usage,
  );
}

export interface K6Run {
  profile: K6Profile;
  domain: string;
  /** the host address and port of the lab's HTTPS entry point */
  bind: string;
  httpsPort: number;
  scriptsDir: string;
  caCert: string;
  adminPasswordFile: string;
  /** where k6 writes its end-of-test summary (JSON), a folder on the host */
  reportsDir: string;
  stamp: string;
}

/**
 * The container shares the host's network (the entry point listens on the host), trusts only
 * the lab CA (SSL_CERT_FILE replaces the system roots for Go), and reads the admin password from
 * a mounted file rather than the command line.
 */
export function k6DockerArgs(r: K6Run): string[] {
  const entryHost = r.bind === "0.0.0.0" ? "127.0.0.1" : r.bind;
  const summary = `k6-${r.profile}-${r.stamp}.json`;
  return [
    "run",
    "--rm",
    "--network",
    "host",
    ...["-v", `${r.scriptsDir}:/scripts:ro`],
    ...["-v", `${r.caCert}:/lab/ca.crt:ro`],
    ...["-v", `${r.adminPasswordFile}:/lab/admin-password:ro`],
    ...["-v", `${r.reportsDir}:/reports`],
    ...["-e", "SSL_CERT_FILE=/lab/ca.crt"],
    ...["-e", `LAB_DOMAIN=${r.domain}`],
    ...["-e", `LAB_ENTRY=${entryHost}:${r.httpsPort}`],
    ...["-e", "LAB_ADMIN_PASSWORD_FILE=/lab/admin-password"],
    K6_IMAGE,
    "run",
    ...["--summary-export", `/reports/${summary}`],
    `/scripts/${r.profile}.ts`,
  ];
}

export const K6_OFFLINE_HINT =
  "k6 is AGPL and neither its image nor its Go module can be had without Docker Hub; the lab's own load generator runs offline: npm run lab:drill -- <drill> (8 writers, 8 readers, failed requests and p95 in reports/), or npm run bench:app";
