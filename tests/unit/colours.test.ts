/** Blue/green: green copied from the stack's real app service, and the switch as label changes. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../lab/config/validate.js";
import { type ColourSpec, GREEN, greenSpec, isLive, switched } from "../../lab/deploy/colours.js";
import { planImages } from "../../lab/images/plan.js";
import { renderStack } from "../../lab/plan/stack.js";
import { stackVars } from "../../lab/plan/vars.js";
import { REPO_ROOT } from "../../lab/state/paths.js";
import { stackOverlay } from "../../lab/steps/facts.js";

const r = validateConfig({});
if (!r.ok) throw new Error(r.errors.join("; "));
const config = r.config;
const stack = renderStack(
  [
    readFileSync(join(REPO_ROOT, "compose/lab.yml"), "utf8"),
    readFileSync(stackOverlay("offline"), "utf8"),
  ],
  config.name,
  stackVars(config, planImages("offline"), "/state"),
  (file) => ({ path: `/abs/${file}`, hash: "0".repeat(12) }),
) as { services: { app: { deploy: { labels: Record<string, string> } } } };

/** Blue as Swarm shows it after `docker stack deploy`: the stack file's deploy labels. */
const blue: ColourSpec = {
  Name: `${config.name}_app`,
  Labels: {
    ...stack.services.app.deploy.labels,
    "com.docker.stack.namespace": config.name,
    "com.docker.stack.image": "swarm-lab/app:offline-old",
  },
  Mode: { Replicated: { Replicas: 5 } },
  TaskTemplate: { ContainerSpec: { Image: "swarm-lab/app:offline-old@sha256:00", Env: ["A=1"] } },
};
const domain = config.domain;
const green = greenSpec(blue, config.name, "swarm-lab/app:offline-new", domain, 5);
const live = switched(green, blue.Labels, domain, true);
const routers = (labels: Record<string, string>) =>
  Object.entries(labels).filter(([k]) => k.startsWith("traefik.http.routers."));

describe("green", () => {
  it("is the app service running the new image, in the stack, at blue's replica count", () => {
    expect(green.Name).toBe(`${config.name}_${GREEN}`);
    expect(green.TaskTemplate.ContainerSpec).toEqual({
      Image: "swarm-lab/app:offline-new",
      Env: ["A=1"],
    });
    expect(green.Mode).toEqual({ Replicated: { Replicas: 5 } });
    expect(green.Labels["com.docker.stack.namespace"]).toBe(config.name); // lab:down removes it
    expect(green.Labels["com.docker.stack.image"]).toBe("swarm-lab/app:offline-new");
    expect(blue.TaskTemplate.ContainerSpec.Image).toMatch(/offline-old/); // not mutated
  });

  it("routes only its own host name until the switch, through blue's middlewares", () => {
    expect(isLive(green.Labels)).toBe(false);
    const rules = routers(green.Labels).filter(([k]) => k.endsWith(".rule"));
    expect(rules.length).toBe(routers(blue.Labels).filter(([k]) => k.endsWith(".rule")).length);
    for (const [, rule] of rules) {
      expect(rule).toContain(`Host(\`${GREEN}.${domain}\`)`);
      expect(rule).not.toContain(`Host(\`app.${domain}\`)`);
    }
    expect(green.Labels[`traefik.http.routers.${GREEN}.middlewares`]).toBe("retry@file");
    expect(green.Labels[`traefik.http.routers.${GREEN}-login.middlewares`]).toBe(
      "login-ratelimit@swarm",
    );
    for (const [k, v] of routers(green.Labels).filter(([k]) => k.endsWith(".service")))
      expect([k, v]).toEqual([k, GREEN]);
  });

  it("has blue's load balancer settings on its own service, and no remediation of its own", () => {
    const blueLb = Object.entries(blue.Labels).filter(([k]) =>
      k.startsWith("traefik.http.services.app."),
    );
    expect(blueLb.length).toBeGreaterThan(3);
    for (const [k, v] of blueLb)
      expect(green.Labels[k.replace(".services.app.", `.services.${GREEN}.`)]).toBe(v);
    expect(
      Object.keys(green.Labels).filter((k) => k.startsWith("traefik.http.services.app.")),
    ).toEqual([]);
    expect(green.Labels["swarm-lab.remediate"]).toBeUndefined();
    expect(green.Labels["swarm-lab.replicas"]).toBeUndefined();
    expect(green.Labels["prometheus.job"]).toBe("app");
  });
});

describe("the switch", () => {
  it("adds routers for the app's own rules above blue's priority, keeping the login limit first", () => {
    expect(isLive(live.Labels)).toBe(true);
    const app = `traefik.http.routers.${GREEN}-live`;
    expect(live.Labels[`${app}.rule`]).toBe(blue.Labels["traefik.http.routers.app.rule"]);
    expect(live.Labels[`${app}-login.rule`]).toBe(
      blue.Labels["traefik.http.routers.app-login.rule"],
    );
    const priority = (k: string) => Number(live.Labels[`${k}.priority`]);
    // Traefik's default priority is the rule's length: blue's routers stay below.
    expect(priority(app)).toBeGreaterThan(
      String(blue.Labels["traefik.http.routers.app-login.rule"]).length,
    );
    expect(priority(`${app}-login`)).toBeGreaterThan(priority(app));
    expect(live.Labels[`${app}-login.middlewares`]).toBe("login-ratelimit@swarm");
    expect(live.Labels[`${app}.service`]).toBe(GREEN);
  });

  it("is one label change each way: switching back gives green's labels as they were", () => {
    expect(switched(live, blue.Labels, domain, false).Labels).toEqual(green.Labels);
    expect(switched(live, blue.Labels, domain, true).Labels).toEqual(live.Labels);
    expect(live.TaskTemplate).toEqual(green.TaskTemplate); // no task is replaced by the switch
  });
});
