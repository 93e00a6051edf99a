/** The lab CA, the certificates it signs and the generated secrets, kept across runs. */

import { stateDir } from "../state/paths.js";
import { ensureState } from "../state/secrets.js";
import type { Step } from "./context.js";

export const prepareState: Step = {
  title: "Preparing the CA, certificates and secrets",
  async run(ctx, report) {
    const s = await ensureState(ctx.config.name, ctx.config.domain);
    const ca = s.caReason ? `new CA (${s.caReason}; trust it again, see README)` : "existing CA";
    const certs = s.issued.length ? `issued: ${s.issued.join(", ")}` : "certificates valid";
    report(`${ca}, ${certs}, in ${stateDir()}`);
  },
};
