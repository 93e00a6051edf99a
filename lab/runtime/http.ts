/** HTTPS to the lab through its entry point, trusting only the lab CA. */
import { Agent, request } from "undici";

export interface LabHttpOptions {
  ca: string;
  /**
   * Where the lab's names resolve: *.localhost is not resolved by glibc or Node itself. Several
   * (hosts as nodes, each its own entry): tried in order, the next when one does not connect.
   */
  address: string | string[];
  httpsPort: number;
  httpPort: number;
  connections?: number;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class LabHttp {
  readonly agent: Agent;

  constructor(private readonly opts: LabHttpOptions) {
    this.agent = new Agent({
      connect: {
        ca: opts.ca,
        lookup: (_host, _o, cb) =>
          cb(
            null,
            [opts.address].flat().map((address) => ({ address, family: 4 })),
          ),
      },
      connections: opts.connections ?? 64,
      keepAliveTimeout: 10_000,
    });
  }

  url(host: string, path: string, scheme: "https" | "http" = "https"): string {
    const port = scheme === "https" ? this.opts.httpsPort : this.opts.httpPort;
    const standard = scheme === "https" ? 443 : 80;
    return `${scheme}://${host}${port === standard ? "" : `:${port}`}${path}`;
  }

  async send(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    url: string,
    init: {
      body?: unknown;
      form?: Record<string, string>;
      /** A body sent as is (give its content-type in headers). */
      raw?: string;
      headers?: Record<string, string>;
      timeoutMs?: number;
      /** A connection of its own, closed after the answer: the edge sends it to the next Traefik. */
      fresh?: boolean;
    } = {},
  ): Promise<HttpResult> {
    const [contentType, body] =
      init.raw !== undefined
        ? [undefined, init.raw]
        : init.form
          ? ["application/x-www-form-urlencoded", new URLSearchParams(init.form).toString()]
          : init.body !== undefined
            ? ["application/json", JSON.stringify(init.body)]
            : [undefined, undefined];
    const res = await request(url, {
      method,
      dispatcher: this.agent,
      headers: { ...(contentType ? { "content-type": contentType } : {}), ...init.headers },
      body,
      headersTimeout: init.timeoutMs ?? 10_000,
      bodyTimeout: init.timeoutMs ?? 10_000,
      ...(init.fresh ? { reset: true } : {}),
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** An Authorization header for HTTP basic auth. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

/** True when `url` answers below 500 within `timeoutMs` (a registry probe: is the internet there). */
export async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await request(url, {
      method: "GET",
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    return res.statusCode < 500;
  } catch {
    return false;
  }
}

/** The status, headers and body `url` answers with; a connection error throws. */
export async function fetchText(
  url: string,
  init: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  const timeoutMs = init.timeoutMs ?? 10_000;
  const res = await request(url, {
    method: "GET",
    headers: init.headers ?? {},
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.statusCode, body: await res.body.text(), headers: flat(res.headers) };
}

/** The status `url` answers with (its body discarded); a connection error throws. */
export async function statusOf(url: string, init: { timeoutMs?: number } = {}): Promise<number> {
  return (await fetchText(url, init)).status;
}

/** A HEAD request: its status and headers; a connection error or a time-out throws. */
export async function headOf(
  url: string,
  init: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Record<string, string> }> {
  const timeoutMs = init.timeoutMs ?? 10_000;
  const res = await request(url, {
    method: "HEAD",
    headers: init.headers ?? {},
    headersTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.body.dump();
  return { status: res.statusCode, headers: flat(res.headers) };
}

const flat = (headers: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v ?? ""].flat().join(", ")]));

export type HttpsClient = Agent;

/** An HTTPS client trusting only `ca` (a PEM), for a registry served with the lab CA. */
export function caClient(ca: string): HttpsClient {
  return new Agent({ connect: { ca }, connections: 4 });
}

/** A GET through `agent` whose body is read as a stream; a connection or TLS error throws. */
export async function getStream(
  agent: HttpsClient,
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<{ status: number; headers: Record<string, string>; body: NodeJS.ReadableStream }> {
  const res = await request(url, {
    method: "GET",
    dispatcher: agent,
    headers,
    headersTimeout: timeoutMs,
  });
  return { status: res.statusCode, headers: flat(res.headers), body: res.body };
}
