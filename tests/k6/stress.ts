/** stress: climb to 100 users to find where the lab bends; failures allowed up to 5%, p95 < 1 s. */
import { labOptions, login, mixed, promises } from "./lab.ts";

export const options = labOptions({
  stages: [
    { duration: "1m", target: 25 },
    { duration: "1m", target: 50 },
    { duration: "1m", target: 100 },
    { duration: "2m", target: 100 },
    { duration: "30s", target: 0 },
  ],
  thresholds: promises("rate<0.05", 1000),
});

export const setup = login;
export default (data: { token: string }) => mixed(data.token);
