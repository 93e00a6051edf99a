/**
 * Pure: blue/green. Blue is the stack's app service; green is a copy of it running the new image,
 * reachable on its own host name (app-green.<domain>) until the switch. The switch is one update
 * of green's service labels: it adds routers for the app's own rules at a priority above blue's,
 * so each Traefik moves every new request to green in one configuration change (within its 2 s
 * refresh of the Swarm provider); removing them moves traffic back to blue the same way.
 */
import type { ServiceSpec } from "./plan.js";

export const GREEN = "app-green";
/** Above any rule-length priority Traefik gives blue's routers by default. */
const LIVE_PRIORITY = 10_000;
const ROUTER = /^traefik\.http\.routers\.(app[\w-]*?)\.(.+)$/;
const SERVICE = /^traefik\.http\.services\.app\.(.+)$/;
/** What the remediator may do to the app: not to a colour that lives for one deploy. */
const BLUE_ONLY = ["swarm-lab.remediate", "swarm-lab.replicas"];

export interface ColourSpec extends ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  Mode?: { Replicated?: { Replicas?: number } };
}

const greenRouter = (name: string, live: boolean) =>
  `${GREEN}${live ? "-live" : ""}${name.slice("app".length)}`;

/** Blue's router labels, renamed for green: on its own host name, or (live) on the app's rules. */
function routerLabels(
  labels: Record<string, string>,
  domain: string,
  live: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  const rules = new Map<string, string>();
  for (const [key, value] of Object.entries(labels)) {
    const m = ROUTER.exec(key);
    if (!m) continue;
    const [, router = "", field = ""] = m;
    const name = greenRouter(router, live);
    let v = value;
    if (field === "service") v = GREEN;
    if (field === "rule") {
      v = live
        ? value
        : value.replaceAll(`Host(\`app.${domain}\`)`, `Host(\`${GREEN}.${domain}\`)`);
      rules.set(name, v);
    }
    out[`traefik.http.routers.${name}.${field}`] = v;
  }
  for (const [name, rule] of rules) {
    out[`traefik.http.routers.${name}.service`] = GREEN;
    if (live) out[`traefik.http.routers.${name}.priority`] = String(LIVE_PRIORITY + rule.length);
  }
  return out;
}

/** Green: blue's service running `image`, its routers on app-green.<domain>, not yet live. */
export function greenSpec(
  blue: ColourSpec,
  stack: string,
  image: string,
  domain: string,
  replicas: number,
): ColourSpec {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(blue.Labels)) {
    if (ROUTER.test(key) || BLUE_ONLY.includes(key)) continue;
    const s = SERVICE.exec(key);
    labels[s ? `traefik.http.services.${GREEN}.${s[1]}` : key] = value;
  }
  if ("com.docker.stack.image" in labels) labels["com.docker.stack.image"] = image;
  return {
    ...blue,
    Name: `${stack}_${GREEN}`,
    Labels: { ...labels, ...routerLabels(blue.Labels, domain, false) },
    Mode: { Replicated: { Replicas: replicas } },
    TaskTemplate: {
      ...blue.TaskTemplate,
      ContainerSpec: { ...blue.TaskTemplate.ContainerSpec, Image: image },
    },
  };
}

/** Green with (live) or without the routers that take the app's traffic from blue. */
export function switched(
  green: ColourSpec,
  blueLabels: Record<string, string>,
  domain: string,
  live: boolean,
): ColourSpec {
  const labels = Object.fromEntries(
    Object.entries(green.Labels).filter(
      ([k]) => !k.startsWith(`traefik.http.routers.${GREEN}-live`),
    ),
  );
  return {
    ...green,
    Labels: live ? { ...labels, ...routerLabels(blueLabels, domain, true) } : labels,
  };
}

/** True when green's labels route the app's own host name to it. */
export function isLive(labels: Record<string, string>): boolean {
  return Object.keys(labels).some((k) => k.startsWith(`traefik.http.routers.${GREEN}-live.`));
}
