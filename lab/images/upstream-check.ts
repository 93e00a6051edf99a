/**
 * Asks each upstream registry, before anything is built, whether the official set's images would
 * be served: the manifest HEAD a pull starts with, after the registry's token dance (anonymous,
 * or with the `docker login` credential the CLI's config holds).
 */

import { MANIFEST_ACCEPT } from "../plan/registry.js";
import { dockerLogin } from "../runtime/docker.js";
import { fetchText, headOf } from "../runtime/http.js";
import {
  bearerChallenge,
  classify,
  tokenUrl,
  type UpstreamAnswer,
  upstreamRef,
} from "./upstream.js";

export interface CheckOptions {
  /** the base URL of a registry's API (tests point it at a local server) */
  base?: (registry: string) => string;
  timeoutMs?: number;
}

async function checkOne(ref: string, opts: CheckOptions): Promise<UpstreamAnswer> {
  const up = upstreamRef(ref);
  const base = opts.base?.(up.registry) ?? `https://${up.registry}`;
  const url = `${base}/v2/${up.repo}/manifests/${up.tag}`;
  const timeoutMs = opts.timeoutMs ?? 8000;
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  try {
    let answer = await headOf(url, { headers, timeoutMs });
    const challenge =
      answer.status === 401 ? bearerChallenge(answer.headers["www-authenticate"]) : null;
    if (challenge) {
      const login = dockerLogin(up.registry);
      const token = await fetchText(tokenUrl(challenge, up.repo), {
        headers: login.basic ? { authorization: `Basic ${login.basic}` } : {},
        timeoutMs,
      });
      if (token.status !== 200) return classify(ref, token.status, token.headers);
      const { token: t, access_token: a } = JSON.parse(token.body) as {
        token?: string;
        access_token?: string;
      };
      answer = await headOf(url, {
        headers: { ...headers, authorization: `Bearer ${t ?? a ?? ""}` },
        timeoutMs,
      });
    }
    return classify(ref, answer.status, answer.headers);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      ok: false,
      ref,
      why: "unreachable",
      detail: `${up.registry} does not answer (${e.code ?? e.message})`,
    };
  }
}

/** Every reference asked at once. */
export function checkUpstream(refs: string[], opts: CheckOptions = {}): Promise<UpstreamAnswer[]> {
  return Promise.all(refs.map((r) => checkOne(r, opts)));
}
