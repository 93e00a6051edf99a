/**
 * Pure: prometheus/alertmanager.yml plus swarm-lab.yaml's `alerting.receivers` -> the
 * configuration Alertmanager runs, and the Docker secrets it needs. Secrets never enter the
 * configuration: Alertmanager reads them from files (Slack `api_url_file`, e-mail
 * `auth_password_file`, a webhook's bearer `credentials_file`).
 */
import { parse, stringify } from "yaml";
import type { LabConfig } from "../config/schema.js";

export interface ReceiverSecret {
  /** Swarm secret name (before the stack prefix and content hash) */
  name: string;
  /** the user's file holding it */
  file: string;
  /** where Alertmanager reads it */
  target: string;
}

export interface AlertmanagerPlan {
  yaml: string;
  secrets: ReceiverSecret[];
}

type Receivers = LabConfig["alerting"]["receivers"];
type Doc = {
  receivers: Array<Record<string, unknown> & { name: string }>;
  route: { routes?: unknown[] };
};

const secretAt = (name: string) => `/run/secrets/${name}`;

/** The user's receivers, as one Alertmanager receiver named "people". */
function people(
  r: Receivers,
  secrets: ReceiverSecret[],
): (Record<string, unknown> & { name: string }) | null {
  const out: Record<string, unknown> = {};
  const secret = (name: string, file: string) => {
    secrets.push({ name, file, target: name });
    return secretAt(name);
  };
  if (r.email) {
    out.email_configs = [
      {
        to: r.email.to,
        from: r.email.from,
        smarthost: r.email.smarthost,
        require_tls: r.email.requireTls,
        send_resolved: true,
        ...(r.email.username ? { auth_username: r.email.username } : {}),
        ...(r.email.passwordFile
          ? { auth_password_file: secret("am_email_password", r.email.passwordFile) }
          : {}),
      },
    ];
  }
  if (r.slack) {
    out.slack_configs = [
      {
        api_url_file: secret("am_slack_url", r.slack.urlFile),
        channel: r.slack.channel,
        send_resolved: true,
      },
    ];
  }
  if (r.webhooks.length > 0) {
    out.webhook_configs = r.webhooks.map((w, i) => ({
      url: w.url,
      send_resolved: true,
      ...(w.tokenFile
        ? {
            http_config: {
              authorization: { credentials_file: secret(`am_webhook_token_${i}`, w.tokenFile) },
            },
          }
        : {}),
    }));
  }
  return Object.keys(out).length > 0 ? { name: "people", ...out } : null;
}

export function planAlertmanager(template: string, receivers: Receivers): AlertmanagerPlan {
  const doc = parse(template) as Doc;
  const secrets: ReceiverSecret[] = [];
  const extra = people(receivers, secrets);
  if (extra) {
    doc.receivers.push(extra);
    // First among the routes, continue: true: people get every alert, the lab's own receiver
    // (and the remediator) still get theirs.
    doc.route.routes = [
      { receiver: "people", matchers: ['alertname=~".+"'], continue: true },
      ...(doc.route.routes ?? []),
    ];
  }
  return { yaml: stringify(doc, { lineWidth: 0 }), secrets };
}

type StackDoc = Record<string, unknown>;
type Resolve = (file: string) => { path: string; hash: string };

/** Pure (given `resolve`): the receivers' secrets added to the rendered stack's Alertmanager. */
export function withReceiverSecrets(
  doc: StackDoc,
  secrets: ReceiverSecret[],
  stack: string,
  resolve: Resolve,
): StackDoc {
  if (secrets.length === 0) return doc;
  const all = (doc.secrets ?? {}) as Record<string, unknown>;
  const services = doc.services as Record<string, { secrets?: unknown[] }>;
  const am = services.alertmanager;
  if (!am) return doc;
  for (const s of secrets) {
    const { path, hash } = resolve(s.file);
    all[s.name] = { file: path, name: `${stack}_${s.name}_${hash.slice(0, 10)}` };
    am.secrets = [...(am.secrets ?? []), { source: s.name, target: s.target }];
  }
  return { ...doc, secrets: all };
}
