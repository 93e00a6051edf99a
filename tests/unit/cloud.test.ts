/**
 * The AWS template (scripts/cloud/aws/swarm-lab.yaml), checked by the real tools (cfn-lint and
 * checkov, pinned in scripts/cloud/requirements.lock, installed in .venv-iac by setup-python.sh),
 * and read for what the lab needs of it: the firewall the playbook also sets, three zones, no
 * secret, the inventory the ssh driver reads. Nothing is deployed: no AWS account here.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CollectionTag, parse, type ScalarTag } from "yaml";
import { REPO_ROOT } from "../../lab/state/paths.js";

const TEMPLATE = join(REPO_ROOT, "scripts/cloud/aws/swarm-lab.yaml");
const VENV = join(REPO_ROOT, ".venv-iac/bin");
const source = readFileSync(TEMPLATE, "utf8");

/** CloudFormation's short intrinsic tags, read as their long form ({ "Fn::Sub": ... }). */
const INTRINSICS = ["Ref", "Sub", "GetAtt", "Select", "GetAZs", "Cidr", "And", "Not", "Equals"];
const tags: (ScalarTag | CollectionTag)[] = INTRINSICS.flatMap((name) => {
  const key = name === "Ref" ? "Ref" : `Fn::${name}`;
  const value = (v: unknown) => ({ [key]: v });
  return [
    { tag: `!${name}`, resolve: (s: string) => value(s) } as ScalarTag,
    { tag: `!${name}`, collection: "seq", resolve: (s) => value(s.toJSON()) } as CollectionTag,
  ];
});
const doc: any = parse(source, { customTags: tags });

function tool(name: string, args: string[]) {
  const bin = join(VENV, name);
  if (!existsSync(bin))
    throw new Error(
      `${bin} is missing: run bash scripts/setup-python.sh (it installs cfn-lint and checkov)`,
    );
  return spawnSync(bin, args, { encoding: "utf8", timeout: 240_000, cwd: REPO_ROOT });
}

/** checkov's verdict on a template file: failed check ids, skipped ones with their comments. */
function checkov(file: string) {
  const r = tool("checkov", [
    "-f",
    file,
    "--framework",
    "cloudformation",
    "--skip-download",
    "-o",
    "json",
  ]);
  const out = JSON.parse(r.stdout);
  return {
    status: r.status,
    passed: out.summary.passed as number,
    failed: (out.results.failed_checks as { check_id: string }[]).map((c) => c.check_id),
    skipped: out.results.skipped_checks as {
      check_id: string;
      check_result: { suppress_comment?: string };
    }[],
  };
}

/** A copy of the template changed by `edit`, in a temporary file. */
function mutated(edit: (text: string) => string): string {
  const file = join(mkdtempSync(join(tmpdir(), "cfn-")), "template.yaml");
  writeFileSync(file, edit(source));
  return file;
}

describe("the AWS template", { timeout: 300_000 }, () => {
  it("cfn-lint finds nothing, and fails a template that refers to nothing", () => {
    const r = tool("cfn-lint", [TEMPLATE]);
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
    const broken = tool("cfn-lint", [
      mutated((t) => t.replace("!Ref NodeSecurityGroup]", "!Ref NoSuchGroup]")),
    ]);
    expect(broken.status).not.toBe(0);
    expect(broken.stdout).toMatch(/NoSuchGroup/);
  });

  it("checkov passes it; every skipped check says why", () => {
    const v = checkov(TEMPLATE);
    expect(v.failed).toEqual([]);
    expect(v.passed).toBeGreaterThan(40);
    for (const s of v.skipped)
      expect(s.check_result.suppress_comment?.length ?? 0, s.check_id).toBeGreaterThan(20);
  });

  it("checkov fails it with IMDSv1 allowed or a bucket open to public policies (the check can fail)", () => {
    const v = checkov(
      mutated((t) =>
        t
          .replace("HttpTokens: required", "HttpTokens: optional")
          .replace("BlockPublicPolicy: true", "BlockPublicPolicy: false"),
      ),
    );
    expect(v.failed.sort()).toEqual(["CKV_AWS_54", "CKV_AWS_79"]);
  });

  it("opens the Swarm ports between the nodes only, SSH and the Docker API to the admin only", () => {
    const r = doc.Resources;
    const swarm = Object.values(r).filter(
      (x: any) => x.Type === "AWS::EC2::SecurityGroupIngress",
    ) as { Properties: Record<string, unknown> }[];
    expect(
      swarm.map((x) => `${x.Properties.IpProtocol}/${x.Properties.FromPort ?? "*"}`).sort(),
    ).toEqual(["50/*", "tcp/2377", "tcp/7946", "udp/4789", "udp/7946"]);
    for (const rule of swarm)
      expect(rule.Properties.SourceSecurityGroupId).toEqual({ Ref: "NodeSecurityGroup" });
    const ingress = r.NodeSecurityGroup.Properties.SecurityGroupIngress as Record<
      string,
      unknown
    >[];
    const from = (port: number) => ingress.filter((i) => i.FromPort === port).map((i) => i.CidrIp);
    expect(from(22)).toEqual([{ Ref: "AdminCidr" }]);
    expect(from(2376)).toEqual([{ Ref: "AdminCidr" }]);
    expect(from(443)).toEqual(["0.0.0.0/0"]);
    expect(ingress.map((i) => i.FromPort).sort()).toEqual([22, 2376, 443, 80].sort());
  });

  it("puts the three nodes in three zones, with an instance role and no secret in the template", () => {
    const r = doc.Resources;
    const zones = ["Subnet1", "Subnet2", "Subnet3"].map(
      (s) => r[s].Properties.AvailabilityZone["Fn::Select"][0],
    );
    expect(zones).toEqual([0, 1, 2]);
    expect(
      ["Node1", "Node2", "Node3"].map((n) => r[n].Properties.NetworkInterfaces[0].SubnetId),
    ).toEqual([{ Ref: "Subnet1" }, { Ref: "Subnet2" }, { Ref: "Subnet3" }]);
    const data = r.NodeLaunchTemplate.Properties.LaunchTemplateData;
    expect(data.IamInstanceProfile).toBeDefined();
    // checkov does not look at a launch template's disks: this test does
    expect(data.BlockDeviceMappings[0].Ebs.Encrypted).toBe(true);
    expect(r.NodeLaunchTemplate.Properties.LaunchTemplateData.MetadataOptions.HttpTokens).toBe(
      "required",
    );
    expect(
      Object.keys(doc.Parameters).filter((p) => /password|secret|token|accesskey/i.test(p)),
    ).toEqual([]);
    expect(source).not.toMatch(/AKIA[0-9A-Z]{16}|BEGIN [A-Z ]*PRIVATE KEY/);
  });

  it("outputs the inventory: a line per node with its address and private address", () => {
    const lines = (doc.Outputs.Inventory.Value["Fn::Sub"] as string).trim().split("\n");
    expect(lines).toEqual(
      [1, 2, 3].map((i) => `\${LabName}-node-${i} \${Node${i}.PublicIp} \${Node${i}.PrivateIp}`),
    );
  });
});
