/**
 * How images reach the nodes: the lab's registry holds every stack image exactly as the host
 * engine has it, each node holds only the images of the tasks Swarm gave it, and the registry the
 * nodes reach over plain HTTP refuses a push from the lab's network.
 */
import { describe, expect, it } from "vitest";
import { planImages } from "../../lab/images/plan.js";
import { notServed } from "../../lab/images/registry.js";
import { servedRef } from "../../lab/plan/registry.js";
import { statusOf } from "../../lab/runtime/http.js";
import { theLab } from "../support/lab.js";

async function registryPort(lab: Awaited<ReturnType<typeof theLab>>): Promise<number> {
  const info = await lab.host.containers.find(`${lab.config.name}-registry`);
  expect(info?.State.Running).toBe(true);
  return Number(info?.NetworkSettings.Ports["5000/tcp"]?.[0]?.HostPort);
}

describe("the lab's registry", () => {
  it("holds every stack image as the host has it (same image id)", async () => {
    await using lab = await theLab();
    const stack = planImages("offline").filter((i) => i.inStack);
    // The content-tagged references the stack runs: the services' images, read from the swarm.
    const running = new Set<string>();
    for (const s of await lab.manager().services.list()) {
      const spec = s.Spec?.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined;
      running.add(String(spec?.ContainerSpec?.Image).split("@")[0] as string);
    }
    const served = [...running].filter((r) => r.startsWith(`${lab.config.name}-registry:5000/`));
    expect(served.length).toBeGreaterThanOrEqual(stack.length);
    const hostRefs = served.map((r) => r.slice(r.indexOf("/") + 1));
    expect(await notServed(lab.host, await registryPort(lab), hostRefs)).toEqual([]);
  });

  it("each node holds only the images of the tasks it was given, and some node lacks some", async () => {
    await using lab = await theLab();
    const manager = lab.manager();
    const nodeIds = new Map(
      (await manager.swarm.nodes()).map((n) => [n.ID, String(n.Description?.Hostname)]),
    );
    const given = new Map<string, Set<string>>();
    for (const t of await manager.services.tasks()) {
      const node = nodeIds.get(String(t.NodeID));
      const spec = t.Spec as { ContainerSpec?: { Image?: string } } | undefined;
      const image = String(spec?.ContainerSpec?.Image).split("@")[0] as string;
      if (!node) continue;
      given.set(node, (given.get(node) ?? new Set()).add(image));
    }
    const allServed = planImages("offline")
      .filter((i) => i.inStack)
      .map((i) => i.ref.split(":")[0] as string);
    let lacking = 0;
    for (const node of lab.nodes) {
      const held = (await lab.driver.engine(node).images.list())
        .flatMap((i) => i.RepoTags ?? [])
        .filter((t) => t.startsWith(`${lab.config.name}-registry:5000/`));
      expect(held.length, node.name).toBeGreaterThan(0);
      for (const tag of held) expect(given.get(node.name), `${node.name}: ${tag}`).toContain(tag);
      const repos = new Set(held.map((t) => servedRepo(t)));
      lacking += allServed.filter((r) => !repos.has(servedRef(lab.config.name, r))).length;
    }
    expect(lacking, "every node holds every image: they are copied, not pulled").toBeGreaterThan(0);
  });

  it("refuses a push from a node: the nodes' registry is read-only", async () => {
    await using lab = await theLab();
    const node = lab.nodes[1] ?? lab.nodes[0];
    if (!node) throw new Error("no node");
    const [source] = (await lab.driver.engine(node).images.list())
      .flatMap((i) => i.RepoTags ?? [])
      .filter((t) => t.startsWith(`${lab.config.name}-registry:5000/`));
    expect(source, `${node.name} holds no image from the registry`).toBeTruthy();
    const target = `${lab.config.name}-registry:5000/intruder/image:pushed`;
    const r = await lab.host.containers.exec(
      node.name,
      [
        "sh",
        "-c",
        `docker tag ${source} ${target} && docker push ${target}; s=$?; docker rmi ${target} >/dev/null; exit $s`,
      ],
      undefined,
      60_000,
    );
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    // Read-only: the registry answers every write 405 with "Allow: GET, HEAD".
    expect(r.stdout + r.stderr).toMatch(/405|Method not allowed/i);
    const port = await registryPort(lab);
    expect(await statusOf(`http://127.0.0.1:${port}/v2/intruder/image/manifests/pushed`)).toBe(404);
  });
});

/** `lab-registry:5000/swarm-lab/app:offline-…` -> `lab-registry:5000/swarm-lab/app`. */
function servedRepo(tag: string): string {
  return tag.slice(0, tag.lastIndexOf(":"));
}
