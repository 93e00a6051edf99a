/** A handle on a lab that is up: its nodes, a manager's engine, HTTPS through the entry point. */

import type { LabConfig } from "../config/schema.js";
import { makeDriver } from "../drivers/index.js";
import type { LabNode, NodeDriver } from "../drivers/types.js";
import { EXIT, LabError } from "../errors.js";
import { systemClock } from "../runtime/clock.js";
import { type Engine, hostEngine, requireEngine } from "../runtime/docker.js";
import { LabHttp } from "../runtime/http.js";
import { appAdminCredentials, readCa } from "../state/secrets.js";

export class RunningLab implements AsyncDisposable {
  constructor(
    readonly config: LabConfig,
    readonly host: Engine,
    readonly driver: NodeDriver,
    public nodes: LabNode[],
    readonly http: LabHttp,
  ) {}

  /** The engine of a running manager (any: all nodes are managers). */
  manager(): Engine {
    const node = this.nodes.find((n) => n.running);
    if (!node) throw new LabError("no lab node is running", "start the lab: npm run lab:up");
    return this.driver.engine(node);
  }

  /** Reads the nodes again (a restarted node may have a new address). */
  async refreshNodes(): Promise<void> {
    this.nodes = await this.driver.list();
  }

  /** The engine of a running manager other than `avoid` (a node a drill is killing). */
  managerExcept(avoid?: string): Engine {
    const node = this.nodes.find((n) => n.running && n.name !== avoid);
    if (!node) throw new LabError("no other lab node is running", "start the lab: npm run lab:up");
    return this.driver.engine(node);
  }

  hostname(name: string): string {
    return `${name}.${this.config.domain}`;
  }

  url(service: string, path: string): string {
    return this.http.url(this.hostname(service), path);
  }

  private adminToken?: { header: string; until: number };

  /**
   * Headers carrying a token of the API's admin (generated credentials in the state folder).
   * The token is kept while valid: logins are rate-limited (429 with Retry-After, which this
   * honours a few times).
   */
  async adminHeaders(): Promise<Record<string, string>> {
    if (this.adminToken && this.adminToken.until > Date.now()) {
      return { authorization: this.adminToken.header };
    }
    const { email, password } = appAdminCredentials(this.config.domain);
    for (let attempt = 1; ; attempt++) {
      const res = await this.http.send("POST", this.url("app", "/auth/token"), {
        form: { username: email, password },
      });
      if (res.status === 429 && attempt < 5) {
        const wait = Number(res.headers["retry-after"] ?? 1);
        await systemClock.sleep(Math.min(Math.max(wait, 1), 10) * 1000);
        continue;
      }
      if (res.status !== 200)
        throw new LabError(
          `admin login to the API failed: HTTP ${res.status} ${res.body.slice(0, 200)}`,
        );
      const body = JSON.parse(res.body) as { access_token: string; expires_in: number };
      const header = `Bearer ${body.access_token}`;
      // Renewed a minute before it expires.
      this.adminToken = { header, until: Date.now() + (body.expires_in - 60) * 1000 };
      return { authorization: header };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.http.close();
  }
}

/**
 * HTTPS to the lab: through the entry container on config.bind and ports, or, with hosts as
 * nodes, straight to Traefik on the running nodes' 443/80.
 */
export function labHttp(config: LabConfig, connections?: number, nodes?: LabNode[]): LabHttp {
  const onNodes = config.driver !== "dind" && nodes !== undefined;
  return new LabHttp({
    ca: readCa(),
    address: onNodes ? nodes.filter((n) => n.running).map((n) => n.address) : config.bind,
    httpsPort: onNodes ? 443 : config.ports.https,
    httpPort: onNodes ? 80 : config.ports.http,
    ...(connections ? { connections } : {}),
  });
}

/** Connects to the lab described by config; fails clearly when it is not up. */
export async function connectLab(config: LabConfig): Promise<RunningLab> {
  const host = hostEngine();
  await requireEngine(host);
  const driver = makeDriver(config, host);
  const nodes = await driver.list();
  if (nodes.filter((n) => n.running).length === 0) {
    throw new LabError(
      `lab "${config.name}" is not running (no node found)`,
      "start it: npm run lab:up",
      EXIT.notRunning,
    );
  }
  let http: LabHttp;
  try {
    http = labHttp(config, undefined, nodes);
  } catch {
    throw new LabError(
      "the lab CA is missing from the state folder",
      "run npm run lab:up once",
      EXIT.notRunning,
    );
  }
  return new RunningLab(config, host, driver, nodes, http);
}
