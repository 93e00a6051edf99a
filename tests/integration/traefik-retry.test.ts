/**
 * The lab's retry middleware in the Traefik image, against a server that dies under a request:
 * one backend reads each request and resets the connection without answering (what a task killed
 * by SIGKILL does to the requests it holds), the other answers. A GET that meets the dying backend
 * is sent again to the other one (200); a POST is not (502: the app may have written it, and the
 * client retries it with its Idempotency-Key).
 */
import { request } from "node:https";
import {
  GenericContainer,
  Network,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { DOMAIN, labImage, startTraefik, traefikConfig } from "./support.js";

/** Port 9001 resets every request it reads and counts them; 9002 answers with those counts. */
const BACKENDS = `
import http.server, json, socket, struct, threading
crashed = {"GET": 0, "POST": 0}
def read_body(h):
    h.rfile.read(int(h.headers.get("Content-Length") or 0))
class Crash(http.server.BaseHTTPRequestHandler):
    def crash(self):
        read_body(self)
        crashed[self.command] += 1
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()
    do_GET = do_POST = crash
    def log_message(self, *args): pass
class Answer(http.server.BaseHTTPRequestHandler):
    def answer(self):
        read_body(self)
        body = json.dumps({"method": self.command, "crashed": crashed}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = answer
    def log_message(self, *args): pass
threading.Thread(target=http.server.ThreadingHTTPServer(("", 9001), Crash).serve_forever, daemon=True).start()
http.server.ThreadingHTTPServer(("", 9002), Answer).serve_forever()
`;

let network: StartedNetwork;
let backends: StartedTestContainer;
let traefik: StartedTestContainer;
let ca: string;

/** The lab's dynamic configuration plus one router through `retry` to the two backends. */
function dynamicConfig(): string {
  const cfg = parse(traefikConfig("dynamic.yml"));
  cfg.http.routers = {
    app: {
      rule: `Host(\`app.${DOMAIN}\`)`,
      entryPoints: ["websecure"],
      middlewares: ["retry"],
      service: "app",
      tls: {},
    },
  };
  cfg.http.services = {
    app: {
      loadBalancer: {
        serversTransport: "fast-fail",
        servers: [{ url: "http://backends:9001" }, { url: "http://backends:9002" }],
      },
    },
  };
  return stringify(cfg);
}

beforeAll(async () => {
  network = await new Network().start();
  backends = await new GenericContainer(await labImage("app"))
    .withEntrypoint(["python3", "-c", BACKENDS])
    .withNetwork(network)
    .withNetworkAliases("backends")
    .withExposedPorts(9002)
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  ({ traefik, ca } = await startTraefik(dynamicConfig(), [443], network));
}, 180_000);

afterAll(async () => {
  await traefik?.stop().catch(() => {});
  await backends?.stop().catch(() => {});
  await network?.stop().catch(() => {});
});

interface Answer {
  status: number;
  crashed?: { GET: number; POST: number };
}

function send(method: "GET" | "POST"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: traefik.getHost(),
        port: traefik.getMappedPort(443),
        servername: `app.${DOMAIN}`,
        ca,
        method,
        path: "/users",
        headers: { host: `app.${DOMAIN}`, "content-type": "application/json" },
        agent: false,
      },
      (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          resolve({ status, crashed: status === 200 ? JSON.parse(body).crashed : undefined });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} timed out`)));
    req.on("error", reject);
    req.end(method === "POST" ? '{"email":"a@b.c"}' : undefined);
  });
}

describe("the retry middleware when a server dies under a request", () => {
  it("sends a GET again to another server: every read answers", async () => {
    const answers: Answer[] = [];
    for (let i = 0; i < 8; i++) answers.push(await send("GET"));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    // Not vacuous: the dying backend did receive some of these GETs (round robin sends it half).
    expect(answers.at(-1)?.crashed?.GET).toBeGreaterThan(0);
  });

  it("never sends a POST twice: the one the dying server took fails with 502", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await send("POST")).status);
    const after = await send("GET");
    expect(statuses.filter((s) => s !== 200 && s !== 502)).toEqual([]);
    const failed = statuses.filter((s) => s === 502).length;
    expect(failed).toBeGreaterThan(0);
    // Each POST the dying server read is one 502: none of them also reached the other server.
    expect(after.crashed?.POST).toBe(failed);
  });
});
