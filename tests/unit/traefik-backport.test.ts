import { describe, expect, it } from "vitest";
import { backportDeclarations, goDeclaration } from "../../lab/images/traefik-backport.js";

const OLD = `package dynamic

const ForwardAuthDefaultMaxBodySize int64 = -1

// Retry holds the retry middleware configuration.
type Retry struct {
	Attempts int \`json:"attempts,omitempty"\`
}

// StripPrefix holds the strip prefix middleware configuration.
type StripPrefix struct {
	Prefixes []string
}
`;

const NEW = `package dynamic

const (
	ForwardAuthDefaultMaxBodySize int64 = -1
	RetryDefaultMaxRequestBodyBytes int64 = 2 * 1024 * 1024 // 2 MB
)

type Retry struct {
	Attempts int \`json:"attempts,omitempty"\`
	Status []string \`json:"status,omitempty"\`
}

func (r *Retry) SetDefaults() {
	v := RetryDefaultMaxRequestBodyBytes
	r.MaxRequestBodyBytes = &v
}

type StripPrefix struct {
	Prefixes []string
	ForceSlash bool
}
`;

const HEADS = [
  "type Retry struct {",
  "func (r *Retry) SetDefaults() {",
  "RetryDefaultMaxRequestBodyBytes int64 =",
];

describe("the Traefik backport", () => {
  it("finds a brace declaration up to the brace that closes it at column 0", () => {
    expect(goDeclaration(NEW, "func (r *Retry) SetDefaults() {")).toBe(
      "func (r *Retry) SetDefaults() {\n\tv := RetryDefaultMaxRequestBodyBytes\n\tr.MaxRequestBodyBytes = &v\n}",
    );
    expect(goDeclaration(NEW, "RetryDefaultMaxRequestBodyBytes int64 =")).toBe(
      "const RetryDefaultMaxRequestBodyBytes int64 = 2 * 1024 * 1024 // 2 MB",
    );
    expect(goDeclaration(OLD, "func (r *Retry) SetDefaults() {")).toBeUndefined();
  });

  it("replaces the declarations it names, adds the missing ones, and touches nothing else", () => {
    const out = backportDeclarations(OLD, NEW, HEADS);
    expect(goDeclaration(out, "type Retry struct {")).toContain("Status []string");
    expect(out).toContain("func (r *Retry) SetDefaults() {");
    expect(out).toContain("const RetryDefaultMaxRequestBodyBytes int64 = 2 * 1024 * 1024");
    // StripPrefix was not named: it keeps its old shape.
    expect(goDeclaration(out, "type StripPrefix struct {")).not.toContain("ForceSlash");
    expect(out).toContain("const ForwardAuthDefaultMaxBodySize int64 = -1");
    // Applying it twice changes nothing more.
    expect(backportDeclarations(out, NEW, HEADS)).toBe(out);
  });

  it("refuses when the later version no longer has a declaration it names", () => {
    expect(() => backportDeclarations(OLD, OLD, HEADS)).toThrow(
      'the backport source has no declaration "func (r *Retry) SetDefaults() {"',
    );
  });
});
