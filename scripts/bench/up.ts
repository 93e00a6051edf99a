/** npm run bench:up: wall-clock of cold and warm `up`, of `down`, and the lab's memory. */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { LABEL_LAB } from "../../lab/plan/names.js";
import { hostDocker } from "../../lab/runtime/docker.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { writeReport } from "../../lab/state/reports.js";

const { values } = parseArgs({
  options: { "skip-cold": { type: "boolean" }, name: { type: "string", default: "lab" } },
});

function lab(args: string[]): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["tsx", "lab/cli/main.ts", ...args], {
      cwd: REPO_ROOT,
      stdio: "inherit",
    });
    child.on("exit", (code) =>
      code === 0
        ? resolve((Date.now() - started) / 1000)
        : reject(new Error(`lab ${args.join(" ")} exited ${code}`)),
    );
  });
}

async function labMemoryMiB(
  name: string,
): Promise<{ total: number; perContainer: Record<string, number> }> {
  const host = hostDocker();
  const perContainer: Record<string, number> = {};
  for (const c of await host.listContainers({ filters: { label: [`${LABEL_LAB}=${name}`] } })) {
    const s = (await host.getContainer(c.Id).stats({ stream: false })) as {
      memory_stats: { usage?: number; stats?: { cache?: number; total_inactive_file?: number } };
    };
    const m = s.memory_stats;
    const used = (m.usage ?? 0) - (m.stats?.total_inactive_file ?? m.stats?.cache ?? 0);
    perContainer[(c.Names[0] ?? c.Id).replace(/^\//, "")] = Math.round(used / 2 ** 20);
  }
  return { total: Object.values(perContainer).reduce((a, b) => a + b, 0), perContainer };
}

const up = ["up", "--images", "offline"];
const result: Record<string, unknown> = {
  machine: {
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  },
  date: new Date().toISOString(),
};
if (!values["skip-cold"]) {
  await lab(["down"]);
  // Cold: no lab image, no downloaded wheels, no compiled Traefik (Go's own caches are kept).
  rmSync(join(REPO_ROOT, "app/.wheels"), { recursive: true, force: true });
  rmSync(join(REPO_ROOT, "traefik/.bin"), { recursive: true, force: true });
  result.coldUpSeconds = await lab(up);
}
await lab(["down", "--keep-images"]);
result.warmUpSeconds = await lab(up);
await new Promise((r) => setTimeout(r, 20_000));
result.memory = await labMemoryMiB(values.name ?? "lab");
result.downSeconds = await lab(["down", "--keep-images"]);
result.warmUpAgainSeconds = await lab(up);

const mem = result.memory as { total: number };
const summary = `# bench:up (${result.date})

Machine: ${(result.machine as { cpus: number }).cpus} cores, ${(result.machine as { memoryGiB: number }).memoryGiB} GiB, Node ${process.version}. Offline image set.

| measure | value |
| --- | --- |
| cold up (nothing built; Go caches kept) | ${result.coldUpSeconds ?? "skipped"} s |
| warm up (images built, lab down) | ${result.warmUpSeconds} s |
| down (--keep-images) | ${result.downSeconds} s |
| warm up again | ${result.warmUpAgainSeconds} s |
| memory of the running lab (sum over containers, 20 s after up) | ${mem.total} MiB |

Goal: warm up within 45 s to a healthy lab (issue 12; 90 s before the registry).
`;
const files = writeReport("bench-up", result, summary);
console.log(`\n${summary}\nreports: ${files.json}, ${files.text}`);
