/**
 * The lab's image path on the engine DOCKER_HOST names, run by tests/integration/image-stores.test.ts
 * inside that engine's network namespace (where the registry's loopback port is): build with the
 * lab's build step, start the lab's registry, push what it lacks, check it serves what the engine
 * holds, push again (nothing). Prints one JSON line of what it found.
 */
import { contentRef, makeImage } from "../../../lab/images/build.js";
import { ensureRegistry, notServed, pushMissing } from "../../../lab/images/registry.js";
import { names } from "../../../lab/plan/names.js";
import { hostEngine, requireEngine } from "../../../lab/runtime/docker.js";

const [lab, registryImage] = process.argv.slice(2);
if (!lab || !registryImage) throw new Error("usage: image-path.ts LAB REGISTRY_IMAGE");
const host = hostEngine();
const facts = await requireEngine(host);
await host.networks.createBridge(names.network(lab), { "lab.lab": lab });
const ref = await makeImage(host, {
  key: "app",
  ref: "swarm-lab/probe:offline",
  source: {
    kind: "build",
    context: "tests/engines/containerd-store/probe",
    args: { BASE: "swarm-lab/base:bookworm" },
  },
  inStack: true,
});
const image = await host.images.find(ref);
const port = await ensureRegistry(host, lab, registryImage);
const t0 = Date.now();
const pushed = await pushMissing(host, lab, registryImage, port, [ref]);
const pushMs = Date.now() - t0;
const missingAfter = await notServed(host, port, [ref]);
const pushedAgain = await pushMissing(host, lab, registryImage, port, [ref]);
console.log(
  JSON.stringify({
    facts,
    ref,
    imageId: image?.Id,
    contentTagFromId: ref === contentRef("swarm-lab/probe:offline", image?.Id ?? ""),
    digests: await host.images.digests(ref),
    pushed,
    pushMs,
    missingAfter,
    pushedAgain,
    port,
  }),
);
