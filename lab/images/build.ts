/** Makes the images of a set on the host engine: build, import or pull. */
import { LabError } from "../errors.js";
import { checkEngine } from "../plan/engine.js";
import { type Engine, requireEngine } from "../runtime/docker.js";
import { run } from "../runtime/exec.js";
import { REPO_ROOT } from "../state/paths.js";
import { type BuildPlatform, buildPlatform } from "./arch.js";
import { importDebianBase } from "./base.js";
import { OFFICIAL } from "./official.js";
import {
  BASE_IMAGE,
  IMAGE_LABEL,
  type ImageSet,
  type ImageSpec,
  type Prepare,
  PYTHON_BASE_IMAGE,
} from "./plan.js";
import { prepareTraefikBinary, prepareVictoriaLogsBinary, prepareWheels } from "./prepare.js";

export async function imageExists(engine: Engine, ref: string): Promise<boolean> {
  return (await engine.images.find(ref)) !== undefined;
}

async function dockerBuild(
  ref: string,
  context: string,
  args: Record<string, string>,
  key: string,
) {
  await run(
    "docker",
    [
      "build",
      "--quiet",
      ...["-t", ref, "--label", `${IMAGE_LABEL}=${key}`],
      ...Object.entries(args).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]),
      context,
    ],
    { cwd: REPO_ROOT, env: { DOCKER_BUILDKIT: "0" } },
  );
}

async function pull(ref: string) {
  await run("docker", ["pull", "--quiet", ref], {
    hint: "the official image set pulls from Docker Hub; offline, use --images offline",
  });
}

const platforms = new WeakMap<Engine, Promise<BuildPlatform>>();

/** What to build for: the engine's architecture (asked once per engine). */
export function enginePlatform(engine: Engine): Promise<BuildPlatform> {
  let p = platforms.get(engine);
  if (!p) {
    p = requireEngine(engine).then((facts) => {
      const refused = checkEngine(facts, "offline");
      if (refused || !facts.arch) throw refused;
      return buildPlatform(facts.arch);
    });
    platforms.set(engine, p);
  }
  return p;
}

/** The bases the set's Dockerfiles start from. */
export async function ensureBases(engine: Engine, set: ImageSet): Promise<string[]> {
  const made: string[] = [];
  if (set === "official") {
    for (const ref of [OFFICIAL.debian, OFFICIAL.python]) {
      if (!(await imageExists(engine, ref))) {
        await pull(ref);
        made.push(ref);
      }
    }
    return made;
  }
  if (!(await imageExists(engine, BASE_IMAGE))) {
    await importDebianBase(BASE_IMAGE, { [IMAGE_LABEL]: "base" }, await enginePlatform(engine));
    made.push(BASE_IMAGE);
  }
  if (!(await imageExists(engine, PYTHON_BASE_IMAGE))) {
    await dockerBuild(PYTHON_BASE_IMAGE, "images/python", { BASE: BASE_IMAGE }, "python");
    made.push(PYTHON_BASE_IMAGE);
  }
  return made;
}

/** The reference a stack deploys: the set's tag plus the image's content id. */
export function contentRef(ref: string, id: string): string {
  return `${ref}-${id.replace(/^sha256:/, "").slice(0, 12)}`;
}

/** Makes a build context ready (downloads or compiles what its Dockerfile copies); true if it did. */
export function prepareContext(what: Prepare, platform: BuildPlatform): Promise<boolean> {
  if (what === "wheels") return prepareWheels(platform);
  if (what === "traefik-binary") return prepareTraefikBinary(platform);
  return prepareVictoriaLogsBinary(platform);
}

/**
 * Builds (cached by Docker's layer cache, so a rerun is quick) or pulls one image, and returns
 * the reference to deploy. A lab-built image is deployed by a tag naming its content: the same
 * tag with new content would leave the service spec unchanged, and Swarm would not roll it out.
 */
export async function makeImage(engine: Engine, spec: ImageSpec): Promise<string> {
  if (spec.source.kind === "pull") {
    if (!(await imageExists(engine, spec.ref))) await pull(spec.ref);
    return spec.ref;
  }
  if (spec.source.prepare) await prepareContext(spec.source.prepare, await enginePlatform(engine));
  await dockerBuild(spec.ref, spec.source.context, spec.source.args, spec.key);
  const id = (await engine.images.find(spec.ref))?.Id;
  if (!id) throw new LabError(`image ${spec.ref} was built but is not on the engine`);
  return tagByContent(engine, spec.ref, id);
}

/** Tags `ref` (whose image id is `id`) with its content tag; returns that reference. */
export async function tagByContent(engine: Engine, ref: string, id: string): Promise<string> {
  const content = contentRef(ref, id);
  const at = content.lastIndexOf(":");
  await engine.images.tag(ref, content.slice(0, at), content.slice(at + 1));
  return content;
}
