/**
 * An exec in a container that never ends (a node too loaded, a hung tool) fails after its time
 * with the command and the container named, instead of hanging the CLI.
 */
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostEngine } from "../../lab/runtime/docker.js";
import { labImage } from "./support.js";

let box: StartedTestContainer;
beforeAll(async () => {
  box = await new GenericContainer(await labImage("postgres"))
    .withEntrypoint(["sleep"])
    .withCommand(["300"])
    .start();
}, 120_000);
afterAll(async () => {
  await box?.stop({ timeout: 1 });
});

describe("exec in a container", () => {
  it("times out with the command and the container in the message", async () => {
    const started = Date.now();
    const err = await hostEngine()
      .containers.exec(box.getId(), ["sleep", "60"], undefined, 1500)
      .catch((e) => e as Error);
    expect((err as Error).message).toBe(
      `\`sleep 60\` in container ${box.getId().slice(0, 12)} did not finish within 1.5 s`,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("an exec that ends in time returns its output and exit code", async () => {
    const r = await hostEngine().containers.exec(box.getId(), [
      "sh",
      "-c",
      "echo out; echo err >&2; exit 3",
    ]);
    expect(r).toEqual({ code: 3, stdout: "out\n", stderr: "err\n" });
  });
});
