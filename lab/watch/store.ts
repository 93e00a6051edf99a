/**
 * The state `lab:watch` shows, kept up to date: each source runs on its own period on the
 * injected clock, a failing or hanging one only marks its section; a drill adds its own traffic
 * (per second) and its progress lines.
 */
import { type Clock, withTimeout } from "../runtime/clock.js";
import type { Log } from "../runtime/log.js";
import type { Source } from "./collect.js";
import type { TrafficPoint, WatchState } from "./model.js";

const KEEP_POINTS = 600;

export class WatchStore {
  readonly state: WatchState;
  private readonly stop = new AbortController();
  private listeners: Array<() => void> = [];
  private second = { ok: 0, failed: 0 };

  constructor(
    lab: string,
    private readonly clock: Clock,
    trafficSource: WatchState["trafficSource"],
  ) {
    this.state = { lab, at: clock.now(), traffic: [], trafficSource, phases: [], errors: {} };
  }

  /** Starts every source and the once-a-second tick that publishes the state. */
  start(sources: Source[], tickMs = 1000): void {
    for (const s of sources) void this.loop(s);
    void (async () => {
      while (!this.stop.signal.aborted) {
        await this.clock.sleep(tickMs, this.stop.signal);
        if (this.stop.signal.aborted) break;
        this.tick();
      }
    })();
  }

  close(): void {
    this.stop.abort();
  }

  get closed(): AbortSignal {
    return this.stop.signal;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** One request of a drill's traffic ended. */
  sample(ok: boolean): void {
    if (ok) this.second.ok++;
    else this.second.failed++;
  }

  phase(line: string): void {
    const time = new Date(this.clock.now()).toISOString().slice(11, 19);
    this.state.phases.push(`${time} ${line}`);
    if (this.state.phases.length > 50) this.state.phases.shift();
  }

  /** A drill's log, shown in the view's Drill section instead of scrolling under it. */
  log(): Log {
    return {
      info: (l) => this.phase(l.trim()),
      warn: (l) => this.phase(`warning: ${l}`),
      detail: () => {},
    };
  }

  /** The drill's traffic of the last second becomes a point; listeners are told. */
  tick(): void {
    this.state.at = this.clock.now();
    if (this.state.trafficSource === "drill") {
      this.push({ at: this.state.at, okPerS: this.second.ok, failedPerS: this.second.failed });
      this.second = { ok: 0, failed: 0 };
    }
    for (const l of this.listeners) l();
  }

  private push(p: TrafficPoint): void {
    this.state.traffic.push(p);
    if (this.state.traffic.length > KEEP_POINTS) this.state.traffic.shift();
  }

  private async loop(source: Source): Promise<void> {
    while (!this.stop.signal.aborted) {
      const started = this.clock.now();
      try {
        const patch = await withTimeout(
          `${source.name}`,
          Math.max(3000, source.everyMs * 2),
          source.read(),
          this.clock,
        );
        if (this.stop.signal.aborted) return;
        const { traffic, ...rest } = patch;
        Object.assign(this.state, rest);
        for (const p of traffic ?? []) this.push(p);
        delete this.state.errors[source.name];
      } catch (err) {
        this.state.errors[source.name] = (err as Error).message.split("\n")[0] ?? "error";
      }
      const left = source.everyMs - (this.clock.now() - started);
      await this.clock.sleep(Math.max(100, left), this.stop.signal);
    }
  }
}
