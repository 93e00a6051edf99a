/** A planned switchover (patronictl) under load: the primary role moves, nothing is lost. */

import { leaderOf, patroniCluster } from "../database/patroni.js";
import { execIn } from "../runtime/docker.js";
import { secondsUntil } from "../swarm/steer.js";
import { longestOutage } from "./analysis.js";
import { ledgerCheck, trace, trafficMeasures, underTraffic } from "./scenario.js";
import type { Drill } from "./types.js";

export const dbSwitchover: Drill = {
  name: "db-switchover",
  summary: "planned Patroni switchover under load: a short measured write pause, 0 writes lost",
  async run(ctx) {
    const { lab } = ctx;
    const startedAt = new Date().toISOString();
    let from = "";
    let to = "";
    let switchedS: number | null = null;
    const result = await underTraffic(ctx, async (mark) => {
      const members = await patroniCluster(lab);
      const leader = leaderOf(members);
      const candidate = members.find(
        (x) => x.name !== leader?.name && ["running", "streaming"].includes(x.state),
      );
      if (!leader || !candidate)
        throw new Error(
          `a switchover needs a leader and a running replica: ${JSON.stringify(members)}`,
        );
      from = leader.name;
      to = candidate.name;
      const node = lab.nodes.find((n) => n.name === leader.node);
      if (!node) throw new Error(`leader on unknown node ${leader.node}`);
      mark(`switchover ${from} -> ${to} requested`);
      await execIn(lab.driver.engine(node), leader.container, [
        "patronictl",
        "-c",
        "/etc/patroni/patroni.yml",
        "switchover",
        "--leader",
        from,
        "--candidate",
        to,
        "--force",
      ]);
      switchedS = await secondsUntil(
        async () => leaderOf(await patroniCluster(lab))?.name === to,
        60_000,
        ctx.signal,
      );
      mark(
        switchedS === null
          ? "leader did not change within 60 s"
          : `${to} is the leader after ${switchedS} s`,
      );
    });
    const { writes } = result.traffic;
    return {
      drill: "db-switchover",
      startedAt,
      measures: {
        from,
        to,
        switchedS,
        writePauseS: longestOutage(writes.samples, result.faultMs),
        ...trafficMeasures(result),
      },
      checks: [
        { name: "leader moved", ok: switchedS !== null, detail: `${from} -> ${to}` },
        ledgerCheck(result),
      ],
      ...trace(result),
    };
  },
};
