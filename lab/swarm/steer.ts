/** Looking at and steering the swarm (drills, restore, save/load), through a node that is alive. */

import { type Clock, systemClock } from "../runtime/clock.js";
import type { Engine } from "../runtime/docker.js";

export async function nodeState(engine: Engine, hostname: string): Promise<string> {
  const nodes = (await engine.swarm.nodes()) as Array<{
    Description: { Hostname: string };
    Status: { State: string };
  }>;
  const mine = nodes.filter((n) => n.Description.Hostname === hostname).map((n) => n.Status.State);
  return mine.includes("ready") ? "ready" : (mine[0] ?? "absent");
}

/** Polls until the condition holds; resolves with the seconds it took, or null at the deadline. */
export async function secondsUntil(
  condition: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
  clock: Clock = systemClock,
): Promise<number | null> {
  const start = clock.now();
  while (clock.now() - start < timeoutMs && !signal?.aborted) {
    try {
      if (await condition()) return (clock.now() - start) / 1000;
    } catch {
      // the observed engine may hiccup while the swarm reorganises: try again
    }
    await clock.sleep(250, signal);
  }
  return null;
}

/** True when no container of `service` runs on this engine (a node's). */
export async function noContainerOf(engine: Engine, service: string): Promise<boolean> {
  const label = `com.docker.swarm.service.name=${service}`;
  return (await engine.containers.list({ label: [label] })).length === 0;
}

/**
 * Changes a service's spec: inspect, change, update at that version. Swarm bumps the version when
 * an earlier update's status changes (updating -> completed), so an update can lose the race
 * ("update out of sequence"): it is read again and retried.
 */
export async function updateService<S extends Record<string, unknown>>(
  engine: Engine,
  service: string,
  change: (spec: S) => S,
  clock: Clock = systemClock,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const info = (await engine.services.inspect(service)) as {
      Version: { Index: number };
      Spec: S;
    };
    try {
      await engine.services.update(service, info.Version.Index, change(structuredClone(info.Spec)));
      return;
    } catch (err) {
      if (attempt >= 5 || !/update out of sequence/.test((err as Error).message)) throw err;
      await clock.sleep(500 * attempt);
    }
  }
}

/** Sets a replicated service's replica count (what `docker service scale` does). */
export async function scaleService(
  engine: Engine,
  service: string,
  replicas: number,
): Promise<void> {
  await updateService(engine, service, (spec) => ({
    ...spec,
    Mode: { Replicated: { Replicas: replicas } },
  }));
}
