/**
 * The hosts' provisioning (scripts/provision: Ansible) and the Vagrantfile, checked by the real
 * tools: ansible-lint (production profile), ansible-playbook --syntax-check, vagrant validate.
 * Nothing is provisioned here: `npm run test:hosts` runs the play on three bare-host containers.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../lab/state/paths.js";

const PROVISION = join(REPO_ROOT, "scripts/provision");
const VENV = join(REPO_ROOT, ".venv-ansible/bin");

function ansible(name: string, args: string[], cwd: string) {
  const bin = join(VENV, name);
  if (!existsSync(bin))
    throw new Error(`${bin} is missing: run bash scripts/setup-python.sh (it installs Ansible)`);
  return spawnSync(bin, args, {
    encoding: "utf8",
    timeout: 180_000,
    cwd,
    env: { ...process.env, ANSIBLE_CONFIG: join(cwd, "ansible.cfg"), NO_COLOR: "1" },
  });
}

/** A copy of scripts/provision where `edit` rewrote one file: a broken play to show a check fails. */
function brokenCopy(file: string, edit: (text: string) => string): string {
  const dir = join(mkdtempSync(join(tmpdir(), "provision-")), "provision");
  cpSync(PROVISION, dir, { recursive: true });
  const path = join(dir, file);
  const before = readFileSync(path, "utf8");
  const after = edit(before);
  if (after === before) throw new Error(`the edit changed nothing in ${file}`);
  writeFileSync(path, after);
  return dir;
}

// ansible-lint takes seconds, more on a busy machine.
describe("the provisioning play", { timeout: 180_000 }, () => {
  it("is ansible-lint clean (production profile)", () => {
    const r = ansible("ansible-lint", ["--nocolor"], PROVISION);
    expect(r.stdout + r.stderr).toMatch(/Passed: 0 failure\(s\), 0 warning\(s\)/);
    expect(r.status).toBe(0);
  });

  it("ansible-lint fails a command task that does not say when it changes something", () => {
    const dir = brokenCopy("roles/swarm/tasks/main.yml", (t) =>
      t.replace(/(docker swarm join-token --quiet manager[\s\S]*?)\n {2}changed_when: false/, "$1"),
    );
    const r = ansible("ansible-lint", ["--nocolor"], dir);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/no-changed-when/);
  });

  it("passes ansible-playbook --syntax-check with the example inventory, and fails a misspelt module", () => {
    const args = ["-i", "inventory.example.yml", "--syntax-check", "playbook.yml"];
    const ok = ansible("ansible-playbook", args, PROVISION);
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const dir = brokenCopy("roles/firewall/tasks/main.yml", (t) =>
      t.replace("ansible.builtin.apt:", "ansible.builtin.aptt:"),
    );
    const bad = ansible("ansible-playbook", args, dir);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/aptt/);
  });
});

describe("the Vagrantfile", { timeout: 120_000 }, () => {
  const vagrant = (env: Record<string, string> = {}) =>
    spawnSync("vagrant", ["validate", "--ignore-provider"], {
      encoding: "utf8",
      timeout: 120_000,
      cwd: REPO_ROOT,
      env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: "1", NO_COLOR: "1", ...env },
    });

  it("passes vagrant validate --ignore-provider (validated, never booted here)", () => {
    const r = vagrant();
    if (r.error) throw new Error(`vagrant: ${r.error.message}: run bash scripts/setup-host.sh`);
    expect(r.stdout).toMatch(/Vagrantfile validated successfully/);
    expect(r.status).toBe(0);
  });

  it("refuses an override that is not a number, naming the variable", () => {
    const r = vagrant({ LAB_CPUS: "two" });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/LAB_CPUS.*two/);
  });
});
