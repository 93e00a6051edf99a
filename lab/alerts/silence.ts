/** Alertmanager silences, through Traefik (the dashboards' credentials), for planned changes. */

import { LabError } from "../errors.js";
import type { RunningLab } from "../running/lab.js";
import { basicAuth } from "../runtime/http.js";
import { dashboardCredentials } from "../state/secrets.js";

/** Silences alerts matching every `label=value` until `until`; returns the silence's id. */
export async function silence(
  lab: RunningLab,
  matchers: Record<string, string>,
  until: Date,
  comment: string,
): Promise<string> {
  const { user, password } = dashboardCredentials();
  const res = await lab.http.send("POST", lab.url("alerts", "/api/v2/silences"), {
    headers: { authorization: basicAuth(user, password) },
    body: {
      matchers: Object.entries(matchers).map(([name, value]) => ({
        name,
        value,
        isRegex: false,
        isEqual: true,
      })),
      startsAt: new Date().toISOString(),
      endsAt: until.toISOString(),
      createdBy: "swarm-lab",
      comment,
    },
  });
  if (res.status !== 200)
    throw new LabError(
      `Alertmanager refused the silence: HTTP ${res.status} ${res.body.slice(0, 200)}`,
    );
  return (JSON.parse(res.body) as { silenceID: string }).silenceID;
}
