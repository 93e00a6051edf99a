/** smoke: one user for 30 s; nothing may fail. Run first: it proves the script and the lab agree. */
import { labOptions, login, mixed, promises } from "./lab.ts";

export const options = labOptions({
  vus: 1,
  duration: "30s",
  thresholds: promises("rate==0", 300),
});

export const setup = login;
export default (data: { token: string }) => mixed(data.token);
