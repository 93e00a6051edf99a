/**
 * The registry image alone: push.yml accepts an upload, serve.yml on the same store serves what
 * was pushed and refuses every write (what keeps the nodes' plain-HTTP pulls safe from a push by
 * anyone else on the lab's network).
 */
import { createHash, randomBytes } from "node:crypto";
import { GenericContainer, type StartedTestContainer, Wait } from "testcontainers";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostDocker } from "../../lab/runtime/docker.js";
import { labImage } from "./support.js";

const volume = `swarm-lab-it-registry-${randomBytes(4).toString("hex")}`;
const started: StartedTestContainer[] = [];

async function registry(config: "serve" | "push"): Promise<string> {
  const c = await new GenericContainer(await labImage("registry"))
    .withCommand([`/etc/docker/registry/${config}.yml`])
    .withBindMounts([{ source: volume, target: "/var/lib/docker-registry" }])
    .withExposedPorts(5000)
    .withWaitStrategy(Wait.forHttp("/v2/", 5000).forStatusCode(200))
    .withStartupTimeout(30_000)
    .start();
  started.push(c);
  return `http://${c.getHost()}:${c.getMappedPort(5000)}`;
}

/** A monolithic blob upload: POST then PUT with the digest, as the registry's API defines it. */
async function upload(base: string, blob: Buffer, digest: string) {
  const post = await request(`${base}/v2/it/blob/blobs/uploads/`, { method: "POST" });
  const body = await post.body.text();
  if (post.statusCode !== 202) return { status: post.statusCode, body };
  const location = String(post.headers.location);
  const url = new URL(location, base);
  url.searchParams.set("digest", digest);
  const put = await request(url, {
    method: "PUT",
    body: blob,
    headers: { "content-type": "application/octet-stream" },
  });
  return { status: put.statusCode, body: await put.body.text() };
}

const blob = randomBytes(4096);
const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
let push: string;
let serve: string;

beforeAll(async () => {
  await hostDocker().createVolume({ Name: volume });
  push = await registry("push");
  serve = await registry("serve");
}, 90_000);

afterAll(async () => {
  for (const c of started) await c.stop().catch(() => {});
  await hostDocker()
    .getVolume(volume)
    .remove()
    .catch(() => {});
});

describe("the registry image", () => {
  it("push.yml stores a blob, serve.yml on the same store serves it byte for byte", async () => {
    expect((await upload(push, blob, digest)).status).toBe(201);
    const got = await request(`${serve}/v2/it/blob/blobs/${digest}`);
    expect(got.statusCode).toBe(200);
    expect(Buffer.from(await got.body.arrayBuffer()).equals(blob)).toBe(true);
  });

  it("serve.yml refuses an upload (405, reads only), and nothing is stored", async () => {
    const other = randomBytes(4096);
    const otherDigest = `sha256:${createHash("sha256").update(other).digest("hex")}`;
    const refused = await upload(serve, other, otherDigest);
    expect(refused.status).toBe(405);
    expect(refused.body).toMatch(/Method not allowed/i);
    const head = await request(`${serve}/v2/it/blob/blobs/${otherDigest}`, { method: "HEAD" });
    await head.body.dump();
    expect(head.statusCode).toBe(404);
  });
});
