import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { certNames, createCa, issueServerCert, serverNames } from "../../lab/state/ca.js";
import { statePaths } from "../../lab/state/paths.js";
import { ensureState } from "../../lab/state/secrets.js";

describe("lab CA", () => {
  it("issues a server certificate the CA verifies, for every lab name", async () => {
    const ca = await createCa("t");
    const leaf = await issueServerCert(ca, serverNames("lab.localhost", ["app", "traefik"]));
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(leaf.cert);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.checkHost("app.lab.localhost")).toBeTruthy();
    expect(cert.checkHost("anything.lab.localhost")).toBe("*.lab.localhost");
    expect(cert.checkHost("app.other.localhost")).toBeUndefined();
    expect(cert.keyUsage).toContain("1.3.6.1.5.5.7.3.1");
  });

  it("a certificate from another CA does not verify", async () => {
    const [a, b] = [await createCa("a"), await createCa("b")];
    const leaf = await issueServerCert(a, ["x.localhost"]);
    expect(new X509Certificate(leaf.cert).verify(new X509Certificate(b.cert).publicKey)).toBe(
      false,
    );
  });

  it("writes a parseable chain, private files, and reuses them on the next run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-state-"));
    const first = await ensureState("t", "lab.localhost", dir);
    expect(first).toEqual({ caCreated: true, certIssued: true });
    const p = statePaths(dir);
    const chain = readFileSync(p.tlsCert, "utf8");
    // Both blocks parse: the leaf's PEM ends with a newline before the CA's begins.
    const blocks = chain.split(/(?<=-----END CERTIFICATE-----\n)/).filter(Boolean);
    expect(blocks).toHaveLength(2);
    for (const b of blocks) expect(() => new X509Certificate(b)).not.toThrow();
    expect(statSync(p.caKey).mode & 0o077).toBe(0);
    expect(readFileSync(p.dashboardHtpasswd, "utf8")).toMatch(/^admin:\$2[aby]\$10\$/);
    expect(await ensureState("t", "lab.localhost", dir)).toEqual({
      caCreated: false,
      certIssued: false,
    });
    const again = await ensureState("t", "demo.localhost", dir);
    expect(again).toEqual({ caCreated: false, certIssued: true });
    expect(certNames(readFileSync(p.tlsCert, "utf8"))).toContain("app.demo.localhost");
  });
});
