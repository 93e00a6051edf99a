/** Bytes that the offline image set brings from the package registries, fetched on the host. */
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { LabError } from "../errors.js";
import { run } from "../runtime/exec.js";
import { REPO_ROOT } from "../state/paths.js";
import type { BuildPlatform } from "./arch.js";
import { copyGoModule, goModuleDir } from "./gomodule.js";
import { TRAEFIK_MODULE, VICTORIALOGS_MODULE } from "./official.js";
import { type Backport, backportDeclarations, TRAEFIK_BACKPORT } from "./traefik-backport.js";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

function upToDate(marker: string, want: string): boolean {
  return existsSync(marker) && readFileSync(marker, "utf8") === want;
}

function hostPython(): string {
  const venv = join(REPO_ROOT, ".venv/bin/python");
  return existsSync(venv) ? venv : "python3";
}

/** The app's locked wheels for CPython 3.11 on the engine's architecture, hash-checked, into app/.wheels. */
export async function prepareWheels(platform: BuildPlatform): Promise<boolean> {
  const lock = readFileSync(join(REPO_ROOT, "app/requirements.lock"), "utf8");
  const dir = join(REPO_ROOT, "app/.wheels");
  const marker = join(dir, ".lock-sha256");
  const want = `${sha(lock)} ${platform.arch}`;
  if (upToDate(marker, want)) return false;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const platforms = platform.wheelPlatforms;
  await run(
    hostPython(),
    [
      ...["-m", "pip", "download", "--quiet", "--require-hashes", "--only-binary=:all:"],
      ...platforms.flatMap((p) => ["--platform", p]),
      ...["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"],
      ...["-r", join(REPO_ROOT, "app/requirements.lock"), "-d", dir],
    ],
    {
      hint: `the app's wheels come from PyPI for linux/${platform.arch}: check that pip can reach it (pip config list); a package with no wheel for ${platform.wheelPlatforms[0]} is named above (pin a version that has one in app/requirements.in, then pip-compile)`,
    },
  );
  writeFileSync(marker, want);
  return true;
}

/**
 * Traefik compiled from its Go module. The module's go.mod has replace directives, so
 * `go install module@version` refuses it: build inside a copy of the module instead.
 */
export async function prepareTraefikBinary(platform: BuildPlatform): Promise<boolean> {
  const out = join(REPO_ROOT, "traefik/.bin/traefik");
  const marker = join(REPO_ROOT, "traefik/.bin/version");
  const version = `${TRAEFIK_MODULE.version}+webui+retry-${TRAEFIK_BACKPORT.from.version} linux/${platform.goarch}`;
  if (existsSync(out) && upToDate(marker, version)) return false;
  const src = await copyGoModule(TRAEFIK_MODULE, "Traefik");
  try {
    await applyBackport(src, TRAEFIK_BACKPORT);
    await buildTraefikWebUi(join(src, "webui"));
    mkdirSync(join(REPO_ROOT, "traefik/.bin"), { recursive: true });
    await run(
      "go",
      [
        ...["build", "-trimpath", "-o", out],
        ...[
          "-ldflags",
          `-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_MODULE.version}`,
        ],
        "./cmd/traefik",
      ],
      { cwd: src, env: goEnv(platform) },
    );
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  writeFileSync(marker, version);
  return true;
}

/** Static binaries for the engine's Linux, whatever system the CLI runs on (macOS, Windows). */
const goEnv = (platform: BuildPlatform) => ({
  CGO_ENABLED: "0",
  GOOS: "linux",
  GOARCH: platform.goarch,
});

/** Copies the backport's files and declarations from the later module into `src`. */
async function applyBackport(src: string, backport: Backport): Promise<void> {
  const from = await goModuleDir(backport.from, "Traefik-backport");
  for (const file of backport.files) cpSync(join(from, file), join(src, file));
  for (const [file, heads] of Object.entries(backport.declarations)) {
    const target = readFileSync(join(src, file), "utf8");
    writeFileSync(
      join(src, file),
      backportDeclarations(target, readFileSync(join(from, file), "utf8"), heads),
    );
  }
}

/**
 * VictoriaLogs compiled from its Go module (about 45-65 s on one core). Its web UI is embedded
 * from the module itself (app/vlselect/vmui), so no npm build is needed.
 */
export async function prepareVictoriaLogsBinary(platform: BuildPlatform): Promise<boolean> {
  const out = join(REPO_ROOT, "images/victorialogs/.bin/victoria-logs");
  const marker = join(REPO_ROOT, "images/victorialogs/.bin/version");
  const version = `${VICTORIALOGS_MODULE.version} linux/${platform.goarch}`;
  if (existsSync(out) && upToDate(marker, version)) return false;
  const src = await copyGoModule(VICTORIALOGS_MODULE, "VictoriaLogs");
  try {
    mkdirSync(join(REPO_ROOT, "images/victorialogs/.bin"), { recursive: true });
    await run("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", out, "./app/victoria-logs"], {
      cwd: src,
      env: goEnv(platform),
    });
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  writeFileSync(marker, version);
  return true;
}

/**
 * The module holds the dashboard's sources, not its build (webui/static is empty), and Traefik
 * embeds webui/static at compile time. Build it with the Yarn version the project pins, taken
 * from the npm registry, and fetching packages from the registry npm is configured with.
 */
async function buildTraefikWebUi(webui: string): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(webui, "package.json"), "utf8")) as {
    packageManager?: string;
  };
  const yarnVersion = /^yarn@([\d.]+)/.exec(pkg.packageManager ?? "")?.[1] ?? "4.9.1";
  const tools = mkdtempSync("/tmp/swarm-lab-yarn-");
  try {
    await run("npm", [
      "install",
      "--silent",
      "--prefix",
      tools,
      `@yarnpkg/cli-dist@${yarnVersion}`,
    ]);
    const yarn = join(tools, "node_modules/@yarnpkg/cli-dist/bin/yarn.js");
    const registry = (await run("npm", ["config", "get", "registry"])).trim().replace(/\/$/, "");
    const env = {
      YARN_NPM_REGISTRY_SERVER: registry,
      YARN_ENABLE_TELEMETRY: "0",
      YARN_NODE_LINKER: "node-modules",
      YARN_ENABLE_PROGRESS_BARS: "0",
    };
    await run("node", [yarn, "install", "--immutable"], {
      cwd: webui,
      env,
      hint: "the Traefik dashboard is built from npm packages: check that npm can reach its registry",
    });
    await run("node", [yarn, "vite", "build"], { cwd: webui, env });
  } finally {
    rmSync(tools, { recursive: true, force: true });
  }
  if (!existsSync(join(webui, "static/index.html"))) {
    throw new LabError("the Traefik dashboard build produced no webui/static/index.html");
  }
}
