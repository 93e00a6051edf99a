/** Pure: nodes (node-exporter) and containers per service (cAdvisor, or the offline node agent). */
import { dashboard, labelVariable, row, timeseries } from "./kit.js";

const RATE = "$__rate_interval";
const SVC = "container_label_com_docker_swarm_service_name";

export function nodes() {
  return dashboard(
    "lab-nodes",
    "Nodes and containers",
    "CPU, memory, disk and network per node; CPU and memory per service.",
  )
    .withVariable(labelVariable("node", "Node", 'up{job="node"}'))
    .withRow(row("Nodes"))
    .withPanel(
      timeseries(
        "CPU busy per node",
        [
          {
            expr: `1 - avg by (node) (rate(node_cpu_seconds_total{mode="idle",node=~"$node"}[${RATE}]))`,
            legend: "{{node}}",
          },
        ],
        { unit: "percentunit" },
      ),
    )
    .withPanel(
      timeseries(
        "Memory used per node",
        [
          {
            expr: 'node_memory_MemTotal_bytes{node=~"$node"} - node_memory_MemAvailable_bytes{node=~"$node"}',
            legend: "{{node}}",
          },
        ],
        {
          unit: "bytes",
          description:
            "Docker-in-Docker nodes share the host's kernel: they all report its memory.",
        },
      ),
    )
    .withPanel(
      timeseries(
        "Disk used per node",
        [
          {
            expr: 'max by (node) (1 - node_filesystem_avail_bytes{mountpoint=~"/|/var/lib/docker",node=~"$node"} / node_filesystem_size_bytes{mountpoint=~"/|/var/lib/docker",node=~"$node"})',
            legend: "{{node}}",
          },
        ],
        {
          unit: "percentunit",
          description:
            "The file system holding / or /var/lib/docker (images, volumes), whichever is fuller: a node container's root is an overlay, its disk is /var/lib/docker.",
        },
      ),
    )
    .withPanel(
      timeseries(
        "Network received per node",
        [
          {
            expr: `sum by (node) (rate(node_network_receive_bytes_total{device!="lo",node=~"$node"}[${RATE}]))`,
            legend: "{{node}}",
          },
        ],
        {
          unit: "Bps",
          description:
            "In the container-node lab the exporter sees its own network namespace, not the node's.",
        },
      ),
    )
    .withRow(row("Containers per service"))
    .withPanel(
      timeseries(
        "CPU per service",
        [
          {
            expr: `sum by (${SVC}) (rate(container_cpu_usage_seconds_total{${SVC}!=""}[${RATE}]))`,
            legend: `{{${SVC}}}`,
          },
        ],
        { unit: "percentunit" },
      ),
    )
    .withPanel(
      timeseries(
        "Memory per service (working set)",
        [
          {
            expr: `sum by (${SVC}) (container_memory_working_set_bytes{${SVC}!=""})`,
            legend: `{{${SVC}}}`,
          },
        ],
        { unit: "bytes" },
      ),
    )
    .withPanel(
      timeseries(
        "Network received per service",
        [
          {
            expr: `sum by (${SVC}) (rate(container_network_receive_bytes_total{${SVC}!=""}[${RATE}]))`,
            legend: `{{${SVC}}}`,
          },
        ],
        {
          unit: "Bps",
          w: 24,
          officialOnly:
            "cAdvisor: the offline node agent reads cgroups, which hold no network counters.",
        },
      ),
    );
}
