/**
 * failover: a constant arrival rate (20 requests/s, 9 reads for a write) for 3 min, to run while a
 * drill injects its fault (`npm run lab:k6 -- failover --during db-primary`). The lab's promises
 * through a failover: reads do not fail (they go to the replica), writes pause for the promotion
 * (about 21 s here), so at most 40% of writes fail and under 5% of all requests.
 */
import type { Options } from "k6/options";
import { labOptions, login, read, write } from "./lab.ts";

export const options: Options = labOptions({
  scenarios: {
    reads: {
      executor: "constant-arrival-rate",
      rate: 18,
      timeUnit: "1s",
      duration: "3m",
      preAllocatedVUs: 20,
      maxVUs: 60,
      exec: "reads",
    },
    writes: {
      executor: "constant-arrival-rate",
      rate: 2,
      timeUnit: "1s",
      duration: "3m",
      preAllocatedVUs: 5,
      maxVUs: 30,
      exec: "writes",
    },
  },
  thresholds: {
    "http_req_failed{kind:read}": ["rate<0.001"],
    "http_req_failed{kind:write}": ["rate<0.4"],
    http_req_failed: ["rate<0.05"],
    "http_req_duration{kind:read}": ["p(95)<1000"],
  },
});

export const setup = login;
export const reads = (data: { token: string }) => read(data.token);
export const writes = (data: { token: string }) => write(data.token);
