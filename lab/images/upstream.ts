/**
 * Pure: the upstream registries the official set pulls from, how to ask each whether a pull would
 * be served (a manifest HEAD, which Docker Hub does not count against its pull limit), and what a
 * refusal means for a user (the fix, or the offline set under `auto`).
 */

export interface UpstreamRef {
  ref: string;
  /** the registry's API host */
  registry: string;
  repo: string;
  tag: string;
}

const HUB_API = "registry-1.docker.io";

/** `traefik:v3.7` -> Docker Hub's library/traefik; `ghcr.io/google/cadvisor:v0.53.0` -> ghcr.io. */
export function upstreamRef(ref: string): UpstreamRef {
  const at = ref.lastIndexOf(":");
  if (at <= ref.lastIndexOf("/")) throw new Error(`image reference ${ref} has no tag`);
  const [name, tag] = [ref.slice(0, at), ref.slice(at + 1)];
  const first = name.split("/")[0] ?? "";
  const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":"));
  if (hasRegistry) return { ref, registry: first, repo: name.slice(first.length + 1), tag };
  return { ref, registry: HUB_API, repo: name.includes("/") ? name : `library/${name}`, tag };
}

export const isDockerHub = (r: UpstreamRef) => r.registry === HUB_API;

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="..."` */
export function bearerChallenge(
  header: string | undefined,
): { realm: string; service?: string; scope?: string } | null {
  if (!header || !/^Bearer\s/i.test(header)) return null;
  const params = Object.fromEntries(
    [...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]?.toLowerCase(), m[2]]),
  );
  if (!params.realm) return null;
  return { realm: params.realm, service: params.service, scope: params.scope };
}

/** The URL of an anonymous (or basic-auth) token for pulling `repo`. */
export function tokenUrl(
  challenge: { realm: string; service?: string; scope?: string },
  repo: string,
): string {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set("service", challenge.service);
  url.searchParams.set("scope", challenge.scope ?? `repository:${repo}:pull`);
  return url.toString();
}

export type UpstreamAnswer =
  | { ok: true; ref: string; remaining?: number }
  | {
      ok: false;
      ref: string;
      why: "rate-limited" | "unauthorized" | "not-found" | "unreachable" | "error";
      detail: string;
    };

/** What a registry's answer to the authenticated manifest HEAD means. */
export function classify(
  ref: string,
  status: number,
  headers: Record<string, string>,
): UpstreamAnswer {
  // Docker Hub: "ratelimit-remaining: 87;w=21600"
  const remaining = Number(/^(\d+)/.exec(headers["ratelimit-remaining"] ?? "")?.[1] ?? Number.NaN);
  const left = Number.isNaN(remaining) ? undefined : remaining;
  if (status === 200) return { ok: true, ref, ...(left !== undefined ? { remaining: left } : {}) };
  if (status === 429)
    return {
      ok: false,
      ref,
      why: "rate-limited",
      detail: `429 toomanyrequests${left !== undefined ? ` (ratelimit-remaining ${left})` : ""}`,
    };
  if (status === 401 || status === 403)
    return {
      ok: false,
      ref,
      why: "unauthorized",
      detail: `${status} (the registry refuses anonymous pulls from here)`,
    };
  if (status === 404)
    return { ok: false, ref, why: "not-found", detail: "404: no such image or tag" };
  return { ok: false, ref, why: "error", detail: `answered ${status}` };
}

export interface UpstreamVerdict {
  /** every image can be pulled */
  ok: boolean;
  /** one line per refused image */
  refused: string[];
  fix: string;
}

export function verdict(answers: UpstreamAnswer[]): UpstreamVerdict {
  const refused = answers.flatMap((a) => (a.ok ? [] : [`${a.ref}: ${a.detail}`]));
  const why = new Set(answers.flatMap((a) => (a.ok ? [] : [a.why])));
  const fixes = [
    why.has("rate-limited")
      ? "Docker Hub's anonymous pull limit is shared by every machine behind this internet address (a classroom): `docker login` raises it"
      : "",
    why.has("unreachable")
      ? "a registry does not answer from this network (a proxy or a firewall): configure the engine's registry mirror or proxy"
      : "",
    why.has("unauthorized") ? "`docker login` to the registry named" : "",
    why.has("not-found") ? "the pinned tag is gone upstream: update lab/images/official.ts" : "",
    "or build every image locally: npm run lab:up -- --images offline",
  ].filter(Boolean);
  return { ok: refused.length === 0, refused, fix: fixes.join("; ") };
}

/** How many pulls from Docker Hub making a set costs (what a shared address's limit counts). */
export function dockerHubPulls(refs: string[]): number {
  return new Set(refs.filter((r) => isDockerHub(upstreamRef(r)))).size;
}
