/** The lab CA, the server certificate and the generated secrets, kept across runs. */

import { stateDir } from "../state/paths.js";
import { ensureState } from "../state/secrets.js";
import type { Step } from "./context.js";

export const prepareState: Step = {
  title: "Preparing the CA, certificates and secrets",
  async run(ctx, report) {
    const s = await ensureState(ctx.config.name, ctx.config.domain);
    report(
      `${s.caCreated ? "new CA" : "existing CA"}, ${s.certIssued ? "new" : "existing"} certificate, in ${stateDir()}`,
    );
  },
};
