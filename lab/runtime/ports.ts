/** Whether a local TCP port can be bound (the entry point's ports, before anything is created). */
import { createServer } from "node:net";
import { networkInterfaces } from "node:os";

export function portFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () =>
      server.close(() => resolve(true)),
    );
  });
}

/** This machine's IPv4 addresses other than loopback (what others on its networks reach it by). */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .flatMap((a) => (a && a.family === "IPv4" && !a.internal ? [a.address] : []));
}
