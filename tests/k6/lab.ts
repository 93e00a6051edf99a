/**
 * What every k6 profile shares: the lab's address, the admin's token, one read and one write.
 * TLS: the lab CA only (lab:k6 sets SSL_CERT_FILE to it, which replaces the system roots), and
 * `hosts` sends the lab's names to the entry point's address.
 */
import { check } from "k6";
import http from "k6/http";
import type { Options } from "k6/options";

export const DOMAIN = __ENV.LAB_DOMAIN ?? "lab.localhost";
export const ENTRY = __ENV.LAB_ENTRY ?? "127.0.0.1:443";
export const API = `https://app.${DOMAIN}${ENTRY.endsWith(":443") ? "" : `:${ENTRY.split(":").pop()}`}`;

/** Read in k6's init context: a file lab:k6 mounts, or the variable when run by hand. */
const PASSWORD =
  __ENV.LAB_ADMIN_PASSWORD ??
  (__ENV.LAB_ADMIN_PASSWORD_FILE ? open(__ENV.LAB_ADMIN_PASSWORD_FILE).trim() : "");

/** Options every profile starts from: the lab's names to its entry point, never skip TLS checks. */
export function labOptions(rest: Options): Options {
  return {
    hosts: { [`app.${DOMAIN}`]: ENTRY.split(":")[0] as string },
    insecureSkipTLSVerify: false,
    ...rest,
  };
}

/** The lab's promises as thresholds: failed requests below `failed`, reads' p95 below `p95ms`. */
export function promises(failed: string, p95ms: number): Options["thresholds"] {
  return {
    http_req_failed: [failed],
    "http_req_duration{kind:read}": [`p(95)<${p95ms}`],
    checks: ["rate>0.99"],
  };
}

/** Once per run (k6's setup): the admin's token. */
export function login(): { token: string } {
  const res = http.post(`${API}/auth/token`, {
    username: `admin@${DOMAIN}`,
    password: PASSWORD,
  });
  if (res.status !== 200) throw new Error(`login failed: HTTP ${res.status} ${res.body}`);
  return { token: (res.json() as { access_token: string }).access_token };
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

export function read(token: string): void {
  const res = http.get(`${API}/users?limit=20`, { headers: auth(token), tags: { kind: "read" } });
  check(res, { "read 200": (r) => r.status === 200 });
}

/** A write with an Idempotency-Key, so k6's own retry of it (none by default) could never write twice. */
export function write(token: string): void {
  const id = `${__VU}-${__ITER}-${Date.now()}`;
  const res = http.post(
    `${API}/users`,
    JSON.stringify({ email: `k6-${id}@example.org`, full_name: "k6", password: "a-long-password" }),
    {
      headers: {
        ...auth(token),
        "content-type": "application/json",
        "Idempotency-Key": `k6-${id}`,
      },
      tags: { kind: "write" },
    },
  );
  check(res, { "write 201": (r) => r.status === 201 });
}

/** Nine reads for a write, the mix the drills use. */
export function mixed(token: string): void {
  if (__ITER % 10 === 0) write(token);
  else read(token);
}
