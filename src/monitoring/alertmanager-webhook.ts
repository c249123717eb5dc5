/**
 * The Alertmanager webhook payload (version 4) and how its alerts become the bot's alert threads. The
 * schema is non-strict (Alertmanager adds fields over time); `status`, not `endsAt`, says firing or resolved.
 * Each `groupKey` is one thread; idempotency on the group key, the alerts' fingerprints and statuses is the
 * pipeline's (`receiveExternal`).
 */
import { z } from 'zod';
import type { Config } from '../config/config.js';
import { fail, ok, type Result } from '../result.js';
import type { AlertRecord } from '../store/store.js';
import type { AlertPipeline, ExternalAlert, ExternalBatch, ReceiveOutcome } from './alert-pipeline.js';
import type { AlertDetail } from './alert-replies.js';
import { isRuleId } from './rule-ids.js';
import { runbook } from './runbook.js';

const labels = z.record(z.string(), z.string()).default({});

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels,
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1),
});

/** The webhook body Alertmanager sends (`notify/webhook` `Message`, version 4). */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { error: 'only payload version "4" is understood' }),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: labels,
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
});

/** A parsed webhook body. */
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

/** Stable code of a body that is not a version 4 payload. */
export const badPayloadCode = 'BAD_PAYLOAD';

function severityOf(l: Record<string, string>): AlertRecord['severity'] {
  const s = (l['severity'] ?? '').toLowerCase();
  if (['critical', 'crit', 'page', 'error', 'high'].includes(s)) return 'crit';
  if (['info', 'informational', 'none', 'low'].includes(s)) return 'info';
  return 'warn';
}

function validEnd(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  // Firing alerts carry the zero time (year 1): no end.
  return Number.isNaN(t) || t <= 0 ? undefined : new Date(t);
}

/** Maps a payload to the pipeline's external batch: cluster and rule from the labels, one alert per entry. */
export function batchOf(payload: AlertmanagerPayload, config: Pick<Config, 'defaultCluster'>): ExternalBatch {
  const common = { ...payload.groupLabels, ...payload.commonLabels };
  const cluster = common['cluster'] ?? common['pegasus_cluster'] ?? config.defaultCluster;
  const rule = common['alertname'] ?? payload.receiver;
  const extra = Object.entries(payload.groupLabels)
    .filter(([k]) => !['alertname', 'cluster', 'pegasus_cluster'].includes(k))
    .map(([k, v]) => `${k}=${v}`);
  const alerts: ExternalAlert[] = payload.alerts.map((a) => {
    const l = { ...payload.commonLabels, ...a.labels };
    const ann = { ...payload.commonAnnotations, ...a.annotations };
    const name = l['alertname'] ?? rule;
    const hint = l['rule'] ?? name;
    const known = isRuleId(hint) ? runbook[hint] : undefined;
    const advice = ann['runbook'] ?? ann['runbook_url'] ?? known?.advice;
    const detail: AlertDetail = {
      labels: l,
      annotations: ann,
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
      ...(advice ? { advice } : {}),
      ...(known?.action ? { action: known.action } : {}),
      ...(ann['description'] && ann['summary'] ? { evidence: { description: ann['description'] } } : {}),
    };
    const end = validEnd(a.endsAt);
    return {
      id: a.fingerprint,
      status: a.status,
      severity: severityOf(l),
      subject: l['instance'] ?? l['node'] ?? l['table'] ?? l['app'] ?? name,
      summary: ann['summary'] ?? ann['description'] ?? ann['message'] ?? name,
      startsAt: new Date(a.startsAt),
      ...(end ? { endsAt: end } : {}),
      detail,
    };
  });
  return {
    externalKey: payload.groupKey,
    cluster,
    rule,
    title: `${cluster} · ${rule}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`,
    alerts,
  };
}

/** Validates a webhook body; a failure names what is wrong. */
export function parseAlertmanagerPayload(body: unknown): Result<AlertmanagerPayload> {
  const parsed = alertmanagerPayloadSchema.safeParse(body);
  if (parsed.success) return ok(parsed.data);
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return fail(badPayloadCode, `not an Alertmanager webhook payload (version 4): ${issues}`);
}

/** Receives one webhook body into the pipeline. */
export async function receiveAlertmanager(
  body: unknown,
  pipeline: AlertPipeline,
  config: Pick<Config, 'defaultCluster'>,
): Promise<Result<ReceiveOutcome>> {
  const payload = parseAlertmanagerPayload(body);
  if (!payload.ok) return payload;
  return ok(await pipeline.receiveExternal(batchOf(payload.value, config)));
}
