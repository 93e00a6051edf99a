/** The lab's certificate authority and the server certificate Traefik presents. */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

/** PEM text ending with a newline, so blocks can be concatenated into a chain. */
function pemText(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

export interface Pem {
  cert: string;
  key: string;
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as webcrypto.CryptoKey);
  return pemText(x509.PemConverter.encode(der, "PRIVATE KEY"));
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  if (!der) throw new Error("no key in PEM");
  return (await webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"])) as CryptoKey;
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

export async function createCa(labName: string, now = new Date()): Promise<Pem> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=swarm-lab ${labName} CA, O=swarm-lab`,
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() + 3650 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: pemText(cert.toString("pem")), key: await exportKey(keys.privateKey) };
}

/** Names the server certificate must cover: the domain, its wildcard and each service name. */
export function serverNames(domain: string, services: string[]): string[] {
  return [domain, `*.${domain}`, ...services.map((s) => `${s}.${domain}`)];
}

/**
 * A certificate for Traefik (server) or for pgBackRest, which presents the same one as server and
 * client: its common name is what the other side's tls-server-auth lets in.
 */
export async function issueServerCert(
  ca: Pem,
  dnsNames: string[],
  now = new Date(),
  opts: { commonName?: string; client?: boolean } = {},
): Promise<Pem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${opts.commonName ?? dnsNames[0]}, O=swarm-lab`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - DAY),
    // 825 days: the longest validity Apple platforms accept for a server certificate.
    notAfter: new Date(now.getTime() + 825 * DAY),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        opts.client
          ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
          : [x509.ExtendedKeyUsage.serverAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension(
        dnsNames.map((value) => ({ type: "dns" as const, value })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { cert: pemText(cert.toString("pem")), key: await exportKey(keys.privateKey) };
}

/** Names a certificate covers (to know when the domain changed and a new one is needed). */
export function certNames(pem: string): string[] {
  const ext = new x509.X509Certificate(pem).getExtension(x509.SubjectAlternativeNameExtension);
  return ext ? ext.names.items.map((n) => n.value) : [];
}
