/** Pure: the logs dashboard (Loki, official set): volume by service and level, recent errors. */
import { dashboard, lokiLogs, lokiTimeseries, row } from "./kit.js";

export function logs() {
  return dashboard(
    "lab-logs",
    "Logs",
    "Every container's logs, shipped by Alloy with service, stack, node, task and stream labels.",
  )
    .withRow(row("Volume"))
    .withPanel(
      lokiTimeseries(
        "Log lines by service and level",
        [
          {
            // A line that is not JSON gets __error__=JSONParserErr, and a metric query over lines
            // with __error__ fails whole in Loki: drop the error labels, keep the line (level "").
            expr: 'sum by (service, level) (count_over_time({stack=~".+"} | json level="level" | drop __error__, __error_details__ [$__auto]))',
            legend: "{{service}} {{level}}",
          },
        ],
        24,
      ),
    )
    .withRow(row("Errors"))
    .withPanel(
      lokiLogs(
        "Recent errors (level error or critical, or a 5xx at Traefik)",
        '{stack=~".+"} |~ "\\"level\\": ?\\"(?i)(error|critical)\\"|\\"DownstreamStatus\\": ?5[0-9][0-9]"',
      ),
    )
    .withPanel(lokiLogs("The app's logs", '{service="app"}'));
}
