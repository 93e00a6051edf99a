/** lab:save's archive holds the CA key and every password: never readable by others, not even while written. */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { packPrivate } from "../../lab/runtime/tar.js";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), "pack-private-"));
  dirs.push(d);
  return d;
};

describe("packPrivate", () => {
  it("the archive is 0600 at its path from the moment it exists, and only when complete", async () => {
    const src = temp();
    // Enough to take several writes: incompressible bytes, so gzip cannot shrink them away.
    let seed = 7;
    const noise = Buffer.alloc(4 * 1024 * 1024, 0).map(() => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >> 16) & 0xff;
    });
    writeFileSync(join(src, "ca.key"), noise);
    const out = temp();
    const file = join(out, "lab.tar.gz");
    const seen: number[] = [];
    let done = false;
    let polls = 0;
    const watch = (async () => {
      while (!done) {
        polls++;
        if (existsSync(file)) seen.push(statSync(file).mode & 0o777);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const old = process.umask(0o022); // a usual umask: files 0644 unless asked otherwise
    try {
      await packPrivate(src, file);
    } finally {
      process.umask(old);
      done = true;
      await watch;
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).size).toBeGreaterThan(4 * 1024 * 1024);
    // The watcher looked while the archive was written (the old code showed 0644 hundreds of
    // times); whatever it saw at that path (maybe nothing before the rename) was private.
    expect(polls).toBeGreaterThan(10);
    expect(seen.filter((m) => m !== 0o600)).toEqual([]);
    expect(readdirSync(out)).toEqual(["lab.tar.gz"]);
  });

  it("replaces an existing file that was readable by others with a private one", async () => {
    const src = temp();
    writeFileSync(join(src, "secret"), "s");
    const file = join(temp(), "lab.tar.gz");
    writeFileSync(file, "old", { mode: 0o644 });
    await packPrivate(src, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
