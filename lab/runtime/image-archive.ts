/**
 * A `docker load` archive written as a stream from blobs read elsewhere (a registry): Docker's
 * image tar format (manifest.json, the configuration, the layers as the registry stores them;
 * `docker load` decompresses gzip layers itself). Both image stores load it.
 */
import tar from "tar-stream";

export interface ArchiveBlob {
  /** its path in the archive */
  name: string;
  size: number;
  open(): Promise<NodeJS.ReadableStream>;
}

export function imageArchive(blobs: ArchiveBlob[], manifestJson: string): NodeJS.ReadableStream {
  const pack = tar.pack();
  (async () => {
    for (const blob of blobs) {
      const body = await blob.open();
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ name: blob.name, size: blob.size }, (err) =>
          err ? reject(err) : resolve(),
        );
        body.on("error", reject);
        body.pipe(entry);
      });
    }
    pack.entry({ name: "manifest.json" }, manifestJson);
    pack.finalize();
  })().catch((err: Error) => pack.destroy(err));
  return pack;
}
