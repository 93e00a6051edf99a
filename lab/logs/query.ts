/** Pure: a `lab:logs` request -> the HTTP query for whichever log store the lab runs. */
import { DURATION, durationSeconds } from "../config/schema.js";
import { EXIT, LabError } from "../errors.js";

export type LogStore = "victorialogs" | "loki";

export interface LogsRequest {
  stack: string;
  service: string;
  sinceS: number;
  grep?: string;
  requestId?: string;
  limit: number;
  /** Only lines after this instant (ms since epoch), for --follow. */
  afterMs?: number;
}

export interface LogLine {
  timeMs: number;
  node: string;
  service: string;
  task: string;
  stream: string;
  line: string;
}

/** "10m" -> 600, the configuration's duration format; anything else is a 2 with the shape. */
export function parseSince(text: string): number {
  if (!DURATION.test(text)) {
    throw new LabError(
      `--since "${text}" is not a duration`,
      "give a number and a unit (s, m, h, d), e.g. --since 10m",
      EXIT.usage,
    );
  }
  return durationSeconds(text);
}

/** A LogsQL or LogQL string literal. */
const quoted = (text: string) => JSON.stringify(text);
const regexEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function logsQuery(
  store: LogStore,
  req: LogsRequest,
  nowMs: number,
): { path: string; params: Record<string, string> } {
  const startMs = req.afterMs !== undefined ? req.afterMs + 1 : nowMs - req.sinceS * 1000;
  if (store === "victorialogs") {
    const filters = [
      `_time:>=${new Date(startMs).toISOString()}`,
      `stack:=${quoted(req.stack)}`,
      `service:=${quoted(req.service)}`,
      ...(req.grep ? [`_msg:~${quoted(regexEscape(req.grep))}`] : []),
      ...(req.requestId ? [`_msg:~${quoted(regexEscape(req.requestId))}`] : []),
    ];
    return {
      path: "/select/logsql/query",
      params: {
        query: `${filters.join(" ")} | sort by (_time desc) | limit ${req.limit}`,
      },
    };
  }
  const selector = `{stack=${quoted(req.stack)}, service=${quoted(req.service)}}`;
  const lines = [req.grep, req.requestId].filter(Boolean).map((t) => ` |= ${quoted(t ?? "")}`);
  return {
    path: "/loki/api/v1/query_range",
    params: {
      query: selector + lines.join(""),
      start: `${startMs * 1_000_000}`,
      end: `${nowMs * 1_000_000}`,
      limit: String(req.limit),
      direction: "backward",
    },
  };
}

/** Pure: the store's answer -> lines, oldest first. */
export function parseLogs(store: LogStore, body: string): LogLine[] {
  if (store === "victorialogs") {
    return body
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, string>)
      .map((r) => ({
        timeMs: Date.parse(r._time ?? ""),
        node: r.node ?? "",
        service: r.service ?? "",
        task: r.task ?? "",
        stream: r.stream ?? "",
        line: r._msg ?? "",
      }))
      .sort((a, b) => a.timeMs - b.timeMs);
  }
  const data = JSON.parse(body) as {
    data: { result: Array<{ stream: Record<string, string>; values: [string, string][] }> };
  };
  return data.data.result
    .flatMap((s) =>
      s.values.map(([ns, line]) => ({
        timeMs: Math.floor(Number(ns) / 1_000_000),
        node: s.stream.node ?? "",
        service: s.stream.service ?? "",
        task: s.stream.task ?? "",
        stream: s.stream.stream ?? "",
        line,
      })),
    )
    .sort((a, b) => a.timeMs - b.timeMs);
}

/** One line as `lab:logs` prints it. */
export function formatLine(l: LogLine): string {
  return `${new Date(l.timeMs).toISOString()} ${l.node} ${l.service} | ${l.line}`;
}
