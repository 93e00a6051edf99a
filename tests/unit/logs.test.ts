import { describe, expect, it } from "vitest";
import { formatLine, logsQuery, parseLogs, parseSince } from "../../lab/logs/query.js";

const now = Date.parse("2026-11-26T12:00:00Z");
const req = { stack: "lab", service: "app", sinceS: 600, limit: 50 };

describe("lab:logs queries", () => {
  it.each([
    ["30s", 30],
    ["10m", 600],
    ["2h", 7200],
    ["1d", 86_400],
  ])("--since %s is %i s", (text, seconds) => {
    expect(parseSince(text)).toBe(seconds);
  });

  it.each(["10", "m", "-5m", "1w", "1.5h", ""])("--since %j is refused with exit 2", (text) => {
    expect(() => parseSince(text)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it("asks VictoriaLogs for the service's lines in the window, newest first, limited", () => {
    const q = logsQuery("victorialogs", { ...req, grep: "a.b", requestId: "r1" }, now);
    expect(q.path).toBe("/select/logsql/query");
    expect(q.params.query).toBe(
      '_time:>=2026-11-26T11:50:00.000Z stack:="lab" service:="app" _msg:~"a\\\\.b" _msg:~"r1" | sort by (_time desc) | limit 50',
    );
  });

  it("asks Loki with a stream selector and line filters, in nanoseconds", () => {
    const q = logsQuery("loki", { ...req, grep: 'say "hi"' }, now);
    expect(q.path).toBe("/loki/api/v1/query_range");
    expect(q.params.query).toBe('{stack="lab", service="app"} |= "say \\"hi\\""');
    expect(q.params.start).toBe(`${(now - 600_000) * 1_000_000}`);
    expect(q.params.direction).toBe("backward");
  });

  it("follows from just after the last line seen", () => {
    const q = logsQuery("victorialogs", { ...req, afterMs: now - 1000 }, now);
    expect(q.params.query).toMatch(/^_time:>=2026-11-26T11:59:59\.001Z /);
  });

  it("reads both stores' answers into the same lines, oldest first", () => {
    const vl = parseLogs(
      "victorialogs",
      [
        '{"_time":"2026-11-26T11:59:02Z","_msg":"second","node":"lab-node-2","service":"app","task":"t","stream":"stdout"}',
        '{"_time":"2026-11-26T11:59:01Z","_msg":"first","node":"lab-node-1","service":"app","task":"t","stream":"stderr"}',
        "",
      ].join("\n"),
    );
    expect(vl.map((l) => l.line)).toEqual(["first", "second"]);
    const loki = parseLogs(
      "loki",
      JSON.stringify({
        data: {
          result: [
            {
              stream: { node: "lab-node-1", service: "app", task: "t", stream: "stderr" },
              values: [
                ["1795694342000000000", "second"],
                ["1795694341000000000", "first"],
              ],
            },
          ],
        },
      }),
    );
    expect(loki.map((l) => l.line)).toEqual(["first", "second"]);
    const [first] = vl;
    expect(first && formatLine(first)).toBe("2026-11-26T11:59:01.000Z lab-node-1 app | first");
  });
});
