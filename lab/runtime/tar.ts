import { renameSync, rmSync } from "node:fs";
import { c } from "tar";
import tar from "tar-stream";

/** A tar archive of small files (mode 0600), for `tar -x` or the archive API. */
export function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o600 }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    pack.on("data", (c: Buffer) => chunks.push(c));
    pack.on("end", () => resolve(Buffer.concat(chunks)));
    pack.on("error", reject);
  });
}

/**
 * `dir`'s content as a private .tar.gz at `file` (it may hold keys and passwords): written under
 * another name with mode 0600 from its first byte, then renamed, so `file` never exists readable
 * by others, nor half-written.
 */
export async function packPrivate(dir: string, file: string): Promise<void> {
  const partial = `${file}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  try {
    await c({ gzip: true, file: partial, cwd: dir, portable: true, mode: 0o600 }, ["."]);
    renameSync(partial, file);
  } finally {
    rmSync(partial, { force: true });
  }
}
