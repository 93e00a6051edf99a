import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { keptRepoAction, parseSystemId } from "../../lab/backup/plan.js";
import { nodeHostConfig } from "../../lab/drivers/dind/flags.js";
import { BACKUP_NODE_PATH, placements, planNodes } from "../../lab/plan/nodes.js";
import { stackVars } from "../../lab/plan/vars.js";
import { demuxLogs } from "../../lab/runtime/docker.js";
import { config } from "../support/config.js";

// Captured from `pgbackrest --stanza=main --output=json info` in the lab's backup service.
const info = readFileSync(new URL("./fixtures/pgbackrest-info.json", import.meta.url), "utf8");

describe("the repository's system identifier", () => {
  it("is read exactly, as text (it is larger than JavaScript's exact integers)", () => {
    expect(parseSystemId(info, "main")).toBe("7712052919550488626");
    expect(Number("7712052919550488626").toString()).not.toBe("7712052919550488626");
  });

  it("is the newest db entry's after a stanza-upgrade, and null without a stanza", () => {
    const upgraded = info.replace(
      /"db"\s*:\s*\[/,
      '"db": [{"id": 2, "repo-key": 2, "system-id": 7712052919550499999, "version": "15"},',
    );
    expect(parseSystemId(upgraded, "main")).toBe("7712052919550499999");
    expect(parseSystemId(info, "other")).toBeNull();
    expect(parseSystemId("[]", "main")).toBeNull();
  });
});

describe("what up does with a kept repository", () => {
  const base = { backups: 3, repoSystemId: "1", clusterSystemId: "1", freshNodes: true };

  it("restores only a cluster this up created, into a repository of another cluster", () => {
    expect(keptRepoAction({ ...base, clusterSystemId: "2" })).toEqual({ kind: "restore" });
    expect(keptRepoAction({ ...base, clusterSystemId: "2", freshNodes: false })).toEqual({
      kind: "foreign",
      repo: "1",
      cluster: "2",
    });
  });

  it("leaves the database alone when the repository is its own or holds nothing", () => {
    expect(keptRepoAction(base)).toEqual({ kind: "same" });
    expect(keptRepoAction({ ...base, backups: 0, clusterSystemId: "2" })).toEqual({
      kind: "empty",
    });
    expect(keptRepoAction({ ...base, repoSystemId: null, clusterSystemId: "2" })).toEqual({
      kind: "empty",
    });
  });
});

describe("the repository's volume", () => {
  it.each([1, 2, 3, 5])("%i nodes: only the backup service's node mounts it", (n) => {
    const nodes = planNodes(config({ nodes: n }), "img");
    const holders = nodes.filter((x) => x.kept.length > 0);
    expect(holders.map((x) => x.index)).toEqual([placements(n)["lab.backup"]]);
    expect(holders[0]?.kept).toEqual([
      {
        name: "lab-backups",
        path: BACKUP_NODE_PATH,
        labels: { "lab.name": "lab", "lab.kind": "volume", "lab.keep": "backups" },
      },
    ]);
    expect(holders[0]?.swarmLabels["lab.backup"]).toBe("true");
  });

  it("is bound into the node container, and the stack's repository is that path", () => {
    const node = planNodes(config({ nodes: 3 }), "img")[0];
    const binds = nodeHostConfig(false, "v", "net", node?.kept).Binds;
    expect(binds).toEqual(["v:/var/lib/docker", `lab-backups:${BACKUP_NODE_PATH}`]);
    expect(stackVars(config(), [], "/state").BACKUP_REPO_DIR).toBe(BACKUP_NODE_PATH);
  });
});

describe("a container's logs as the engine sends them", () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(payload.length, 4);
    return Buffer.concat([head, payload]);
  };

  it("are the payloads of the frames, stdout and stderr in order", () => {
    const raw = Buffer.concat([frame(1, ".\n..\n"), frame(2, "warn\n"), frame(1, "pgdata\n")]);
    expect(demuxLogs(raw)).toBe(".\n..\nwarn\npgdata\n");
  });

  it("are the bytes themselves when not framed, and empty when there are none", () => {
    expect(demuxLogs(Buffer.from("plain text\n"))).toBe("plain text\n");
    expect(demuxLogs(Buffer.alloc(0))).toBe("");
  });
});
