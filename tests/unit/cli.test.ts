import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../lab/config/validate.js";
import { LabError } from "../../lab/errors.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { portFree } from "../../lab/runtime/ports.js";
import { preflight } from "../../lab/steps/preflight.js";
import { cli } from "../support/cli.js";

/** Whether this machine's Docker engine answers (CI starts one; a laptop may not have it). */
const engineUp = await hostDocker()
  .ping()
  .then(
    () => true,
    () => false,
  );

describe("CLI: bad input gets a clear message and a non-zero exit", { timeout: 30_000 }, () => {
  it("an unknown image set", async () => {
    const r = await cli(["up", "--images", "cloud"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'cloud' is invalid.*official, offline, auto/s);
  });

  it("a port that is not a number", async () => {
    const r = await cli(["up", "--https-port", "abc", "--dry-run"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"abc" is not a whole number/);
  });

  it("values out of range, all listed with their path", async () => {
    const r = await cli([
      "config",
      "show",
      "--https-port",
      "70000",
      "--domain",
      "UPPER",
      "--nodes",
      "9",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ports\.https:/);
    expect(r.stderr).toMatch(/domain:/);
    expect(r.stderr).toMatch(/nodes:/);
    expect(r.stderr).toMatch(/fix:/);
  });

  it("no Docker engine: says how to install and start one", async () => {
    const r = await cli(["status"], { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock/);
    expect(r.stderr).toMatch(/apt-get install -y docker\.io/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it("an engine address that accepts connections and never answers: exit 3 after 15 s, not a hang", async () => {
    const silent = createServer(() => {}); // accepts, never writes
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await cli(["status"], { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(
        /no Docker engine answers at tcp:\/\/127\.0\.0\.1:\d+ \(the engine's info call did not finish within 15 s\)/,
      );
    } finally {
      silent.close();
    }
  }, 60_000);

  it("an output format that is not text or json", async () => {
    const r = await cli(["down", "-o", "yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'yaml' is invalid.*text, json/s);
  });

  it("lab:down --yes without --purge: refused before anything is looked at", async () => {
    const r = await cli(["down", "--yes"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--yes only confirms --purge");
  });

  it("an unknown drill", async () => {
    const r = await cli(["drill", "meteor"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /unknown drill "meteor".*app-replica, db-primary, db-switchover, disaster, alert-scale, node-down/s,
    );
  });

  it("--expand on another drill than deploy, or with --broken", async () => {
    const other = await cli(["drill", "db-primary", "--expand"]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--expand is for the deploy drill, not db-primary/);
    const both = await cli(["drill", "deploy", "--expand", "--broken"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--expand and --broken together.*one at a time/s);
  });

  it("a deploy strategy the lab does not have", async () => {
    const r = await cli(["deploy", "--strategy", "canary"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/argument 'canary' is invalid.*rolling, blue-green/s);
  });

  it("blue/green: --retire with nothing warm, a deploy while a colour is kept warm, a rollback while it is retired", async () => {
    const state = mkdtempSync(join(tmpdir(), "state-"));
    const env = { LAB_STATE_DIR: state };
    const nothing = await cli(["deploy", "--retire", "--name", "absentlab"], env);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/no colour is kept warm: nothing to retire/);
    const warm = {
      phase: "warm",
      blueImage: "swarm-lab/app:offline-old",
      greenImage: "swarm-lab/app:offline-new",
      switchedAt: "2026-11-27T10:00:00Z",
      retireAt: "2026-11-27T10:01:00Z",
      pid: 1,
    };
    writeFileSync(join(state, "colours.json"), JSON.stringify(warm));
    const second = await cli(["deploy", "--name", "absentlab"], env);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(
      /blue\/green deploy of swarm-lab\/app:offline-new still keeps swarm-lab\/app:offline-old warm.*lab:rollback switches back/s,
    );
    writeFileSync(join(state, "colours.json"), JSON.stringify({ ...warm, phase: "retiring" }));
    const back = await cli(["rollback", "--name", "absentlab"], env);
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/is being retired.*lab:deploy -- --retire/s);
  });

  it("lab:kpi with a --window that is not a duration", async () => {
    const r = await cli(["kpi", "--window", "a month"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a month/);
  });

  it("lab:logs with a --since that is not a duration, before connecting", async () => {
    const r = await cli(["logs", "app", "--since", "yesterday"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--since "yesterday" is not a duration.*\n.*e\.g\. --since 10m/);
    const noService = await cli(["logs"]);
    expect(noService.code).toBe(2);
    expect(noService.stderr).toMatch(/missing required argument 'service'/);
  });

  it("a retention that is not whole days in the configuration file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "swarm-lab.yaml");
    writeFileSync(file, "observability: { logs: { retention: 36h } }\n");
    const r = await cli(["up", "--dry-run", "-c", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/observability\.logs\.retention: must be whole days/);
  });

  it("a drill with no engine to reach refuses before doing anything", async () => {
    const r = await cli(["drill", "app-replica", "--name", "absentlab"], {
      DOCKER_HOST: `unix://${join(tmpdir(), "no-such-engine.sock")}`,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no Docker engine answers/);
  });

  it.skipIf(!engineUp)(
    "a drill on a lab that is not running refuses before doing anything",
    async () => {
      const r = await cli(["drill", "app-replica", "--name", "absentlab"]);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/lab "absentlab" is not running.*npm run lab:up/s);
    },
  );

  it("restore needs exactly one of --latest and --to", async () => {
    for (const args of [["restore"], ["restore", "--latest", "--to", "2026-01-01T00:00:00Z"]]) {
      const r = await cli([...args, "--name", "absentlab"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/exactly one of --latest or --to.*lab:restore -- --latest/s);
    }
  });

  it("restore --to something that is not a time, before touching anything", async () => {
    const r = await cli(["restore", "--to", "yesterday", "--name", "absentlab"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to "yesterday" is not a time.*ISO 8601/s);
  });

  it("backup of an unknown type", async () => {
    const r = await cli(["backup", "--type", "weekly", "--name", "absentlab"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/weekly.*full, diff, incr/s);
  });

  it("load of a missing file, and of a file that is no lab archive", async () => {
    const missing = await cli(["load", "/nonexistent/lab.tar.gz", "--name", "absentlab"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist.*lab:save/s);
    const folder = await cli(["load", "lab", "--name", "absentlab"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/cannot load lab: it is not a file/);
    const notArchive = await cli(["load", "package.json", "--name", "absentlab"]);
    expect(notArchive.code).toBe(2);
    expect(notArchive.stderr).toMatch(/is not a lab archive/);
  });

  it("save refuses to overwrite a file unless --force", async () => {
    const r = await cli(["save", "package.json", "--name", "absentlab"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/package.json exists.*--force/s);
    const nowhere = await cli(["save", "/nonexistent/dir/lab.tar.gz", "--name", "absentlab"]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/folder of \/nonexistent\/dir\/lab.tar.gz does not exist/);
  });

  it("prints the effective configuration as JSON", async () => {
    const r = await cli(["config", "show", "--replicas", "2"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).app).toEqual({ replicas: 2 });
  });

  it("--dry-run prints the plan and the rendered stack", async () => {
    const r = await cli(["up", "--dry-run", "--images", "official", "--domain", "demo.localhost"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/image set: official/);
    expect(r.stdout).toMatch(/Host\(`app\.demo\.localhost`\)/);
  });

  it("--dry-run -o json prints the plan up applies, as one object", async () => {
    const r = await cli(["up", "--dry-run", "-o", "json", "--name", "demo", "--nodes", "2"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.nodes.map((n: { name: string }) => n.name)).toEqual(["demo-node-1", "demo-node-2"]);
    expect(plan.stack.name).toBe("demo");
    expect(plan.stack.doc.services.app.image).toMatch(/^demo-registry:5000\/swarm-lab\/app:/);
    expect(plan.edge.config).toContain("server demo-node-2 demo-node-2:443");
  });
});

describe("preflight: a taken port", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("portFree sees it", async () => {
    expect(await portFree("127.0.0.1", port)).toBe(false);
  });

  it("names the port and the flag that changes it", async () => {
    const r = validateConfig({ name: "portcheck", ports: { https: port, http: 1 } });
    if (!r.ok) throw new Error(r.errors.join());
    const fakeHost = {
      info: async () => ({ ServerVersion: "20.10.24", Driver: "overlay2", Architecture: "x86_64" }),
      containers: { find: async () => undefined },
    };
    const err = await preflight
      .run(
        { config: r.config, host: fakeHost as never, driver: {} as never, log: {} as never },
        () => {},
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err.message).toBe(`port 127.0.0.1:${port} (https) is already in use by another program`);
    expect(err.hint).toMatch(/--https-port 8443/);
    expect(err.exitCode).toBe(4);
  });
});
