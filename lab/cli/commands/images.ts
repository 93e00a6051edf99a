/**
 * `lab images`: what an image set is made of, and the build contexts made ready (the app's
 * wheels, the compiled binaries) for a build outside the lab, such as the release workflow's.
 */

import { type Command, Option } from "commander";
import { EXIT, LabError } from "../../errors.js";
import { buildPlatform } from "../../images/arch.js";
import { enginePlatform, prepareContext } from "../../images/build.js";
import {
  CLASS_REGISTRY,
  serveClass,
  stopClass,
  withinRanges,
} from "../../images/class-registry.js";
import { type ImageSet, planImages } from "../../images/plan.js";
import { hostEngine, requireEngine } from "../../runtime/docker.js";
import { stdout } from "../../runtime/log.js";
import { hostAddresses, portFree } from "../../runtime/ports.js";
import { caScope } from "../../state/ca.js";
import { statePaths } from "../../state/paths.js";
import { readLabCa } from "../../state/tls.js";
import { integer } from "../options.js";
import { outputOption, printJson, table } from "../print.js";

const setOption = () =>
  new Option("--images <set>", "image set").choices(["official", "offline"]).default("official");

export function registerImages(program: Command): void {
  const images = program
    .command("images")
    .description("list an image set, or make its build contexts ready");
  images
    .command("list")
    .description("the images of a set: reference, built from (folder) or pulled, build arguments")
    .addOption(setOption())
    .addOption(outputOption())
    .action((flags: { images: ImageSet; output: string }) => {
      const plan = planImages(flags.images);
      if (flags.output === "json") return printJson(plan);
      stdout(
        table(
          ["image", "reference", "source", "build arguments"],
          plan.map((i) => [
            i.key,
            i.ref,
            i.source.kind === "build" ? `build ${i.source.context}` : "pull",
            i.source.kind === "build"
              ? Object.entries(i.source.args)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(" ")
              : "",
          ]),
        ),
      );
    });
  images
    .command("prepare")
    .description("make each build context of a set ready (wheels, compiled binaries)")
    .addOption(setOption())
    .addOption(
      new Option(
        "--arch <arch>",
        "the architecture to prepare for (default: the host engine's)",
      ).choices(["amd64", "arm64"]),
    )
    .action(async (flags: { images: ImageSet; arch?: "amd64" | "arm64" }) => {
      const platform = flags.arch ? buildPlatform(flags.arch) : await enginePlatform(hostEngine());
      for (const spec of planImages(flags.images)) {
        if (spec.source.kind !== "build" || !spec.source.prepare) continue;
        const made = await prepareContext(spec.source.prepare, platform);
        stdout(`${spec.key}: ${spec.source.context} ${made ? "prepared" : "already ready"}`);
      }
    });
  images
    .command("serve")
    .description(
      "serve the image set this machine made to a class over HTTPS (students: lab:up --images-from ADDRESS:PORT --ca FILE)",
    )
    .option("--port <port>", "host port students connect to", integer, 5443)
    .option("--bind <address>", "address it listens on", "0.0.0.0")
    .option(
      "--address <ip...>",
      "addresses students use (default: every IPv4 address of this machine)",
    )
    .option("--stop", "stop serving and delete the class registry's store")
    .addOption(setOption().default("offline"))
    .action(
      async (flags: {
        port: number;
        bind: string;
        address?: string[];
        stop?: boolean;
        images: ImageSet;
      }) => {
        const host = hostEngine();
        await requireEngine(host);
        if (flags.stop) {
          await stopClass(host);
          return stdout(`removed ${CLASS_REGISTRY} (container and its store)`);
        }
        const running = await host.containers.find(CLASS_REGISTRY);
        if (!running?.State.Running && !(await portFree(flags.bind, flags.port)))
          throw new LabError(
            `port ${flags.bind}:${flags.port} is already in use by another program`,
            `choose another: npm run lab -- images serve --port ${flags.port + 1}`,
            EXIT.portTaken,
          );
        const ca = readLabCa();
        // The lab CA may vouch only for private and loopback addresses (its name constraints).
        const ranges = caScope(ca.cert)?.ipRanges ?? [];
        const outside = (flags.address ?? []).filter((a) => !withinRanges(a, ranges));
        if (outside.length > 0)
          throw new LabError(
            `--address ${outside.join(", ")} is outside the networks the lab CA may vouch for (${ranges.join(", ")})`,
            "give the trainer's address on the classroom's private network (ip -4 addr, ipconfig getifaddr en0)",
            EXIT.usage,
          );
        const addresses = flags.address ?? hostAddresses().filter((a) => withinRanges(a, ranges));
        const { refs } = await serveClass(host, {
          port: flags.port,
          bind: flags.bind,
          addresses,
          ca,
          set: flags.images,
        });
        stdout(
          `${CLASS_REGISTRY}: ${refs.length} images on https://${flags.bind}:${flags.port} (certificate for ${addresses.join(", ")})`,
        );
        stdout(
          `give the students ${statePaths().caCert} (the CA, not its key), then on each machine:`,
        );
        for (const a of addresses)
          stdout(
            `  npm run lab:up -- --images ${flags.images} --images-from ${a}:${flags.port} --ca ca.crt`,
          );
      },
    );
}
