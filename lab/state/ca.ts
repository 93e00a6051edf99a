/** The lab's certificate authority and the server certificate Traefik presents. */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints } from "@peculiar/asn1-x509";
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

/**
 * What the CA may vouch for: DNS names under these (the lab's domain, the stack's internal service
 * names) and addresses in these ranges (the node networks). Anything else a client that trusts the
 * CA rejects, so trusting it system-wide cannot let it vouch for another site.
 */
export interface CaScope {
  dns: string[];
  ipRanges: string[];
}

const NAME_CONSTRAINTS_OID = "2.5.29.30";

function nameConstraints(scope: CaScope): x509.Extension {
  const subtrees = new GeneralSubtrees([
    ...scope.dns.map((d) => new GeneralSubtree({ base: new GeneralName({ dNSName: d }) })),
    ...scope.ipRanges.map((r) => new GeneralSubtree({ base: new GeneralName({ iPAddress: r }) })),
  ]);
  const value = AsnConvert.serialize(new NameConstraints({ permittedSubtrees: subtrees }));
  return new x509.Extension(NAME_CONSTRAINTS_OID, true, value);
}

/** The scope a CA certificate carries, or undefined when it has no name constraints (old CA). */
export function caScope(pem: string): CaScope | undefined {
  const ext = new x509.X509Certificate(pem).extensions.find((e) => e.type === NAME_CONSTRAINTS_OID);
  if (!ext) return undefined;
  const parsed = AsnConvert.parse(ext.value, NameConstraints);
  const bases = (parsed.permittedSubtrees ?? []).map((t) => t.base);
  return {
    dns: bases.flatMap((b) => (b.dNSName ? [b.dNSName] : [])),
    ipRanges: bases.flatMap((b) => (b.iPAddress ? [b.iPAddress] : [])),
  };
}

/** When a certificate stops being valid. */
export function certExpiry(pem: string): Date {
  return new x509.X509Certificate(pem).notAfter;
}

/** True when the certificate expires within `marginDays` (lab:up renews it then). */
export function certDue(pem: string, now = new Date(), marginDays = 30): boolean {
  return certExpiry(pem).getTime() - now.getTime() < marginDays * DAY;
}

export async function createCa(
  labName: string,
  scope: CaScope,
  now = new Date(),
  title = "CA",
): Promise<Pem> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=swarm-lab ${labName} ${title}, O=swarm-lab`,
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
      nameConstraints(scope),
    ],
  });
  return { cert: pemText(cert.toString("pem")), key: await exportKey(keys.privateKey) };
}

/** Names the server certificate must cover: the domain, its wildcard and each service name. */
export function serverNames(domain: string, services: string[]): string[] {
  return [domain, `*.${domain}`, ...services.map((s) => `${s}.${domain}`)];
}

export interface LeafSpec {
  dns?: string[];
  ips?: string[];
  commonName?: string;
  /** server (TLS servers), client (a client certificate), both (pgBackRest presents one for both). */
  usage: "server" | "client" | "both";
}

const USAGES = {
  server: [x509.ExtendedKeyUsage.serverAuth],
  client: [x509.ExtendedKeyUsage.clientAuth],
  both: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
};

/** A leaf certificate signed by the lab CA. */
export async function issueCert(ca: Pem, spec: LeafSpec, now = new Date()): Promise<Pem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as CryptoKeyPair;
  const names = [
    ...(spec.dns ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(spec.ips ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    // A common name that looks like a host name is checked against the name constraints too.
    subject: `CN=${spec.commonName ?? spec.dns?.[0] ?? "swarm-lab node engine"}, O=swarm-lab`,
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
      new x509.ExtendedKeyUsageExtension(USAGES[spec.usage], false),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
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

/** Whether `ca` signed `cert` (a certificate from before the engines had a CA of their own: no). */
export async function issuedBy(cert: string, ca: string): Promise<boolean> {
  const leaf = new x509.X509Certificate(cert);
  const issuer = new x509.X509Certificate(ca);
  if (leaf.issuer !== issuer.subject) return false;
  return leaf.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false);
}
