/** load: the lab's normal day, 16 users for 3 min after a 30 s ramp; under 1% failed, p95 < 300 ms. */
import { labOptions, login, mixed, promises } from "./lab.ts";

export const options = labOptions({
  stages: [
    { duration: "30s", target: 16 },
    { duration: "3m", target: 16 },
    { duration: "15s", target: 0 },
  ],
  thresholds: promises("rate<0.01", 300),
});

export const setup = login;
export default (data: { token: string }) => mixed(data.token);
