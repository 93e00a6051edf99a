/** spike: 5 users, then 80 within 10 s for a minute, then back; under 1% failed, p95 < 1 s. */
import { labOptions, login, mixed, promises } from "./lab.ts";

export const options = labOptions({
  stages: [
    { duration: "30s", target: 5 },
    { duration: "10s", target: 80 },
    { duration: "1m", target: 80 },
    { duration: "10s", target: 5 },
    { duration: "30s", target: 5 },
  ],
  thresholds: promises("rate<0.01", 1000),
});

export const setup = login;
export default (data: { token: string }) => mixed(data.token);
