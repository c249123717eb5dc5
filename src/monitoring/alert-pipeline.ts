/**
 * The alert lifecycle and its threads. Alerts are keyed by a fingerprint of (cluster, rule, subject) and go
 * firing → updated → resolved; each (cluster, rule) — or Alertmanager `groupKey` — is one group and one
 * thread per channel: a root message kept current with `sink.update`, and a reply for each change.
 *
 * - Damping: an alert resolves only after `alertResolveAfter` inspections without it, and one that fires
 *   again within `alertFlapWindowMs` of resolving continues its episode (after a few flaps only the root
 *   changes, so a flapping alert does not flood its thread).
 * - Everything lives in the store (alerts, groups, acks, silences, mutes, the outbox), so a restarted bot
 *   neither posts again nor forgets. A change is first queued in the outbox and then delivered; a failed post
 *   is retried with backoff, never dropped. Delivery runs on one instance at a time (a store lock) and is
 *   paced per channel.
 * - Writers of alerts and groups queue behind each other in this process and hold a store lock across
 *   instances, so two deliveries of one Alertmanager notification cannot both post.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatSink } from '../chat/chat-sink.js';
import type { Clock } from '../clock.js';
import type { Actor, MessageRef, Platform } from '../commands/command.js';
import { defaultThresholds, type Config, type Thresholds } from '../config/config.js';
import { formatDuration } from '../config/duration.js';
import type { Logger } from '../logger.js';
import type { ReplyAttachment } from '../replies/reply.js';
import { fail, ok, type Result } from '../result.js';
import type { AlertDelivery, AlertGroup, AlertRecord, AlertSource, AlertStatus, Store } from '../store/store.js';
import {
  actorText,
  changesReply,
  groupRootReply,
  type AlertDetail,
  type ChangeNote,
  type DeliveryPayload,
} from './alert-replies.js';
import { alertTargets, type AlertTarget } from './alert-routing.js';
import { ChannelPacer } from './channel-pacer.js';
import { isRuleId, ruleTitles } from './rule-ids.js';

/** One alert an inspection raises now (absent ones count towards resolving). */
export interface AlertSignal {
  rule: string;
  subject: string;
  severity: 'warn' | 'crit';
  summary: string;
  detail?: AlertDetail;
}

/** One alert of an external group (an Alertmanager notification), with its own status. */
export interface ExternalAlert {
  /** The sender's id of the alert (Alertmanager's fingerprint). */
  id: string;
  status: AlertStatus;
  severity: AlertRecord['severity'];
  subject: string;
  summary: string;
  startsAt: Date;
  endsAt?: Date;
  detail?: AlertDetail;
}

/** One notification of an external group. */
export interface ExternalBatch {
  /** The sender's group key (Alertmanager `groupKey`). */
  externalKey: string;
  cluster: string;
  rule: string;
  title: string;
  alerts: readonly ExternalAlert[];
}

/** What receiving an external notification did. */
export interface ReceiveOutcome {
  group: string;
  /** The same notification (alerts and statuses) was received before: nothing changed. */
  duplicate: boolean;
  changes: number;
}

/** What one delivery round did. */
export interface DeliveryStats {
  posted: number;
  updated: number;
  rootsCreated: number;
  failed: number;
  dropped: number;
}

/** Counters the pipeline reports (the ops server's `/metrics`). */
export interface PipelineObserver {
  alertChanges?(kind: ChangeNote['kind'], count: number): void;
  deliveryFailed?(platform: Platform): void;
  sinkCall?(platform: Platform, channelId: string, kind: 'post' | 'update'): void;
}

/** What the pipeline is built from. */
export interface AlertPipelineOptions {
  store: Store;
  clock: Clock;
  config: Config;
  /** Read on every delivery: adapters started later add themselves. */
  sinks: readonly ChatSink[];
  logger: Logger;
  /** Per-channel pacing of posts and edits (default one per second). */
  pacer?: ChannelPacer;
  /** First retry delay of a failed delivery; doubles up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  observer?: PipelineObserver;
  /**
   * Files for a new thread's root (e.g. a trend chart of the table or node an alert is about). Optional
   * garnish: a failure is logged and the root is posted without them.
   */
  rootAttachments?: (group: AlertGroup, alerts: readonly AlertRecord[], now: Date) => Promise<ReplyAttachment[]>;
}

/** Silences last from 30 minutes to 24 hours. */
export const silenceLimits = { minMs: 30 * 60_000, maxMs: 24 * 3_600_000 } as const;
/** Channel mutes last from 1 minute to 30 days. */
export const muteLimits = { minMs: 60_000, maxMs: 30 * 86_400_000 } as const;
/** How long the button's silence lasts. */
export const buttonSilenceMs = 3_600_000;
/** After this many flaps in one episode, changes only refresh the root. */
export const quietAfterFlaps = 2;
/** Resolved alerts shown in a root, and listed by `alerts`, for this long. */
export const recentlyResolvedMs = 24 * 3_600_000;

/** Resolved alerts are kept this long (for `alerts`, flap detection and audits), then forgotten. */
export const resolvedRetentionMs = 7 * 86_400_000;

/** Stable codes of the pipeline's refusals. */
export const AlertCode = {
  unknownGroup: 'UNKNOWN_ALERT',
  notFiring: 'NOT_FIRING',
  badDuration: 'BAD_DURATION',
} as const;

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** The fingerprint of an inspection alert: a stable hash of (cluster, rule, subject). */
export function alertFingerprint(cluster: string, rule: string, subject: string): string {
  return hash('inspection', cluster, rule, subject).slice(0, 16);
}

/** The group (thread) of an inspection alert: `<cluster>/<rule>`. */
export function inspectionGroupKey(cluster: string, rule: string): string {
  return `${cluster}/${rule}`;
}

/** The short group id of an Alertmanager `groupKey` (fits a button id). */
export function externalGroupKey(externalKey: string): string {
  return `am-${hash('alertmanager', externalKey).slice(0, 10)}`;
}

/** The store key of a channel's mute. */
export function muteKey(platform: Platform, channelId: string): string {
  return `alerts:mute:${platform}:${channelId}`;
}

/** A stored mute. */
export interface ChannelMute {
  /** ISO end. */
  until: string;
  by: string;
  at: string;
}

interface Outcome {
  record: AlertRecord;
  note?: ChangeNote;
  quiet: boolean;
}

/** Turns alert observations into lifecycle changes, threads and deliveries. */
export class AlertPipeline {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly config: Config;
  private readonly sinks: readonly ChatSink[];
  private readonly logger: Logger;
  private readonly pacer: ChannelPacer;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly observer: PipelineObserver;
  private readonly rootAttachments: AlertPipelineOptions['rootAttachments'];
  private chain: Promise<unknown> = Promise.resolve();
  private delivering: Promise<DeliveryStats> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private warnedNoTarget = new Set<string>();

  constructor(options: AlertPipelineOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.config = options.config;
    this.sinks = options.sinks;
    this.logger = options.logger;
    this.pacer = options.pacer ?? new ChannelPacer(1000);
    this.retryBaseMs = options.retryBaseMs ?? 5000;
    this.retryMaxMs = options.retryMaxMs ?? 300_000;
    this.observer = options.observer ?? {};
    this.rootAttachments = options.rootAttachments;
  }

  /** The thresholds (damping, flapping, reminders) of a cluster; defaults for one the config does not name. */
  thresholdsFor(cluster: string): Thresholds {
    return this.config.clusters.find((c) => c.name === cluster)?.thresholds ?? defaultThresholds();
  }

  private clusterKnown(cluster: string): boolean {
    return this.config.clusters.some((c) => c.name === cluster);
  }

  /** Runs writers one after another here, and under a store lock across instances (waiting for it). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const attempt = await this.store.withLock('alerts:record', work);
        if (attempt.ran) return attempt.value;
        if (Date.now() > deadline) throw new Error('another bot instance held the alerts lock for 30 s');
        await sleep(20);
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Records what one inspection of `cluster` saw: `signals` fire (or stay firing), and firing alerts of the
   * `covered` rules that are absent count towards resolving. Alerts of rules whose data could not be read are
   * left alone. Resolves to the changes, which are queued for delivery.
   */
  observeInspection(
    cluster: string,
    signals: readonly AlertSignal[],
    covered: ReadonlySet<string>,
  ): Promise<ChangeNote[]> {
    return this.serial(async () => {
      const now = this.clock.now();
      const t = this.thresholdsFor(cluster);
      const known = await this.store.listAlerts({
        cluster,
        source: 'inspection',
        resolvedSince: new Date(now.getTime() - t.alertFlapWindowMs),
      });
      const byFp = new Map(known.map((a) => [a.fingerprint, a]));
      const outcomes: Outcome[] = [];
      const seen = new Set<string>();
      // The worst signal of a (rule, subject) wins when two checks report the same thing.
      const ordered = [...signals].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'crit' ? -1 : 1));
      for (const s of ordered) {
        const fingerprint = alertFingerprint(cluster, s.rule, s.subject);
        if (seen.has(fingerprint)) continue;
        seen.add(fingerprint);
        const prev = byFp.get(fingerprint) ?? (await this.store.getAlert(fingerprint));
        outcomes.push(
          this.fire(prev, {
            fingerprint,
            groupKey: inspectionGroupKey(cluster, s.rule),
            cluster,
            rule: s.rule,
            subject: s.subject,
            source: 'inspection',
            severity: s.severity,
            summary: s.summary,
            detail: s.detail,
            startsAt: now,
            now,
            thresholds: t,
          }),
        );
      }
      for (const prev of known) {
        if (prev.status !== 'firing' || seen.has(prev.fingerprint) || !covered.has(prev.rule)) continue;
        const missingCount = prev.missingCount + 1;
        const missingSince = prev.missingSince ?? now;
        if (missingCount >= t.alertResolveAfter) {
          outcomes.push(this.resolve(prev, now, now));
        } else {
          outcomes.push({ record: { ...prev, missingCount, missingSince, updatedAt: now }, quiet: true });
        }
      }
      return this.commit(outcomes, now, (groupKey, rule) => ({
        key: groupKey,
        cluster,
        rule,
        source: 'inspection',
        title: `${cluster} · ${isRuleId(rule) ? ruleTitles[rule] : rule}`,
      }));
    });
  }

  /**
   * Records one notification of an external group (Alertmanager). Idempotent: a notification whose alerts and
   * statuses were all seen already changes nothing, however often it is delivered.
   */
  receiveExternal(batch: ExternalBatch): Promise<ReceiveOutcome> {
    return this.serial(async () => {
      const now = this.clock.now();
      const key = externalGroupKey(batch.externalKey);
      const t = this.thresholdsFor(batch.cluster);
      const signature = hash(
        ...batch.alerts.map((a) => `${a.id}:${a.status}:${a.startsAt.toISOString()}:${a.severity}`).sort(),
      ).slice(0, 32);
      const existing = await this.store.getAlertGroup(key);
      if (existing?.lastDelivery === signature) return { group: key, duplicate: true, changes: 0 };
      const known = new Map((await this.store.listAlerts({ groupKey: key })).map((a) => [a.fingerprint, a]));
      const outcomes: Outcome[] = [];
      for (const a of batch.alerts) {
        const fingerprint = hash('alertmanager', batch.externalKey, a.id).slice(0, 16);
        const prev = known.get(fingerprint);
        const base = {
          fingerprint,
          groupKey: key,
          cluster: batch.cluster,
          rule: batch.rule,
          subject: a.subject,
          source: 'alertmanager' as const,
          severity: a.severity,
          summary: a.summary,
          detail: a.detail,
          startsAt: a.startsAt,
          now,
          thresholds: t,
        };
        if (a.status === 'firing') {
          // A firing notice older than the resolution we already have arrived late: keep the resolution.
          if (prev?.status === 'resolved' && a.startsAt.getTime() <= prev.startedAt.getTime()) continue;
          outcomes.push(this.fire(prev, base));
        } else if (prev?.status === 'firing') {
          const ended = a.endsAt && a.endsAt.getTime() <= now.getTime() ? a.endsAt : now;
          outcomes.push(this.resolve({ ...prev, summary: a.summary }, now, ended));
        } else if (!prev) {
          // Resolved before we ever saw it fire (the bot was down): still record and tell it.
          const record: AlertRecord = {
            ...this.newRecord(base),
            status: 'resolved',
            resolvedAt: a.endsAt && a.endsAt.getTime() <= now.getTime() ? a.endsAt : now,
          };
          outcomes.push({ record, note: this.note('resolved', record, now), quiet: false });
        }
      }
      const notes = await this.commit(outcomes, now, () => ({
        key,
        cluster: batch.cluster,
        rule: batch.rule,
        source: 'alertmanager',
        title: batch.title,
        externalKey: batch.externalKey,
      }));
      await this.store.updateAlertGroup(key, { lastDelivery: signature });
      return { group: key, duplicate: false, changes: notes.length };
    });
  }

  private newRecord(b: FireInput): AlertRecord {
    return {
      fingerprint: b.fingerprint,
      groupKey: b.groupKey,
      cluster: b.cluster,
      rule: b.rule,
      subject: b.subject,
      source: b.source,
      status: 'firing',
      severity: b.severity,
      summary: b.summary,
      detail: b.detail,
      startedAt: b.startsAt,
      lastSeenAt: b.now,
      missingCount: 0,
      flaps: 0,
      updatedAt: b.now,
    };
  }

  private note(kind: ChangeNote['kind'], a: AlertRecord, now: Date, extra: Partial<ChangeNote> = {}): ChangeNote {
    const d = (a.detail ?? {}) as AlertDetail;
    return {
      kind,
      fingerprint: a.fingerprint,
      subject: a.subject,
      severity: a.severity,
      summary: a.summary,
      at: now.toISOString(),
      ...(d.evidence ? { evidence: d.evidence } : {}),
      ...(d.advice ? { advice: d.advice } : {}),
      ...(d.action ? { action: d.action } : {}),
      ...extra,
    };
  }

  private fire(prev: AlertRecord | undefined, b: FireInput): Outcome {
    const fresh = this.newRecord(b);
    if (!prev) return { record: fresh, note: this.note('firing', fresh, b.now), quiet: false };
    if (prev.status === 'firing') {
      const record: AlertRecord = {
        ...prev,
        severity: b.severity,
        summary: b.summary,
        detail: b.detail,
        lastSeenAt: b.now,
        missingCount: 0,
        updatedAt: b.now,
      };
      delete record.missingSince;
      if (prev.severity === b.severity) return { record, quiet: true };
      return {
        record,
        note: this.note('updated', record, b.now, { previousSeverity: prev.severity }),
        quiet: false,
      };
    }
    const resolvedAt = prev.resolvedAt?.getTime() ?? 0;
    if (b.now.getTime() - resolvedAt <= b.thresholds.alertFlapWindowMs) {
      // Back within the damping window: the same episode, flapping.
      const record: AlertRecord = { ...fresh, startedAt: prev.startedAt, flaps: prev.flaps + 1 };
      return {
        record,
        note: this.note('refiring', record, b.now, { flaps: record.flaps }),
        quiet: record.flaps > quietAfterFlaps,
      };
    }
    return { record: fresh, note: this.note('firing', fresh, b.now), quiet: false };
  }

  private resolve(prev: AlertRecord, now: Date, endedAt: Date): Outcome {
    const record: AlertRecord = { ...prev, status: 'resolved', resolvedAt: endedAt, updatedAt: now, missingCount: 0 };
    delete record.missingSince;
    return {
      record,
      note: this.note('resolved', record, now, { durationMs: endedAt.getTime() - prev.startedAt.getTime() }),
      quiet: prev.flaps >= quietAfterFlaps,
    };
  }

  /** Stores the outcomes, creates new groups, clears stale acks and queues one delivery per group and channel. */
  private async commit(
    outcomes: readonly Outcome[],
    now: Date,
    groupOf: (
      groupKey: string,
      rule: string,
    ) => Pick<AlertGroup, 'key' | 'cluster' | 'rule' | 'source' | 'title'> & Partial<Pick<AlertGroup, 'externalKey'>>,
  ): Promise<ChangeNote[]> {
    if (outcomes.length === 0) return [];
    const byGroup = new Map<string, Outcome[]>();
    for (const o of outcomes) {
      const list = byGroup.get(o.record.groupKey);
      if (list) list.push(o);
      else byGroup.set(o.record.groupKey, [o]);
    }
    await this.store.putAlerts(outcomes.map((o) => o.record));
    const notes: ChangeNote[] = [];
    const deliveries: Omit<AlertDelivery, 'id' | 'attempts' | 'lastError'>[] = [];
    for (const [groupKey, list] of byGroup) {
      const withNotes = list.filter((o) => o.note);
      if (withNotes.length === 0) continue;
      const first = list[0];
      if (!first) continue;
      const shape = groupOf(groupKey, first.record.rule);
      const group = await this.store.createAlertGroup({ ...shape, roots: [], createdAt: now, updatedAt: now });
      const starts = withNotes.some((o) => o.note?.kind === 'firing');
      if (starts && (group.ackedBy || group.remindedAt)) {
        // A new episode after everything resolved: the old acknowledgement no longer speaks for it.
        const firingBefore = await this.store.countAlerts({ groupKey, status: 'firing' });
        const startedNow = list.filter((o) => o.note?.kind === 'firing').length;
        if (firingBefore === startedNow) {
          await this.store.updateAlertGroup(groupKey, { ackedBy: null, ackedAt: null, remindedAt: null });
        }
      }
      const groupNotes = withNotes.flatMap((o) => (o.note ? [o.note] : []));
      notes.push(...groupNotes);
      for (const kind of new Set(groupNotes.map((n) => n.kind))) {
        this.observer.alertChanges?.(kind, groupNotes.filter((n) => n.kind === kind).length);
      }
      const quiet = withNotes.every((o) => o.quiet);
      const payload: DeliveryPayload = quiet ? { notes: groupNotes, quiet: true } : { notes: groupNotes };
      for (const target of this.targetsFor(group.cluster)) {
        deliveries.push({ groupKey, ...target, payload, createdAt: now, nextAttemptAt: now });
      }
    }
    await this.store.enqueueAlertDeliveries(deliveries);
    if (deliveries.length > 0) this.kick();
    return notes;
  }

  private targetsFor(cluster: string): AlertTarget[] {
    const targets = alertTargets(cluster, this.config, this.sinks);
    if (targets.length === 0 && (this.config.slack || this.config.discord) && !this.warnedNoTarget.has(cluster)) {
      this.warnedNoTarget.add(cluster);
      this.logger.warn(
        { cluster },
        'alerts of this cluster have no channel: set SLACK_ALERT_CHANNEL / DISCORD_ALERT_CHANNEL or the cluster’s alert channels; they are recorded and listed by `alerts`',
      );
    }
    return targets;
  }

  private async queueGroupNote(group: AlertGroup, note: ChangeNote, always = false): Promise<void> {
    const now = this.clock.now();
    const payload: DeliveryPayload = always ? { notes: [note], always: true } : { notes: [note] };
    await this.store.enqueueAlertDeliveries(
      this.targetsFor(group.cluster).map((t) => ({
        groupKey: group.key,
        ...t,
        payload,
        createdAt: now,
        nextAttemptAt: now,
      })),
    );
    this.kick();
  }

  /** Finds a group by its key, or by the fingerprint of one of its alerts. */
  async findGroup(ref: string): Promise<AlertGroup | undefined> {
    const group = await this.store.getAlertGroup(ref);
    if (group) return group;
    const alert = await this.store.getAlert(ref);
    return alert ? this.store.getAlertGroup(alert.groupKey) : undefined;
  }

  private unknown(ref: string): { ok: false; error: { code: string; message: string } } {
    return fail(
      AlertCode.unknownGroup,
      `There is no alert group or alert "${ref}". \`alerts\` lists the open groups with their ids (e.g. prod/node_unalive).`,
    );
  }

  /** Acknowledges a group (by key or an alert's fingerprint): reminders stop and the root shows who. */
  ack(ref: string, actor: Actor): Promise<Result<{ group: AlertGroup; already: boolean }>> {
    return this.serial(async () => {
      const group = await this.findGroup(ref);
      if (!group) return this.unknown(ref);
      const firing = await this.store.countAlerts({ groupKey: group.key, status: 'firing' });
      if (firing === 0) {
        return fail(
          AlertCode.notFiring,
          `Nothing in ${group.key} is firing, so there is nothing to acknowledge. \`alerts\` lists what is open.`,
        );
      }
      if (group.ackedBy) return ok({ group, already: true });
      const now = this.clock.now();
      const updated = (await this.store.updateAlertGroup(group.key, { ackedBy: actor, ackedAt: now })) ?? group;
      await this.queueGroupNote(updated, { kind: 'acked', at: now.toISOString(), by: actorText(actor) });
      return ok({ group: updated, already: false });
    });
  }

  /** Silences a group for 30 min to 24 h (`durationMs` undefined: lift the silence). */
  silence(ref: string, durationMs: number | undefined, actor: Actor): Promise<Result<AlertGroup>> {
    return this.serial(async () => {
      if (durationMs !== undefined && (durationMs < silenceLimits.minMs || durationMs > silenceLimits.maxMs)) {
        return fail(
          AlertCode.badDuration,
          `A silence lasts from 30m to 24h; ${formatDuration(durationMs)} is outside that. Nothing was changed. Example: \`alerts silence ${ref} 2h\`.`,
        );
      }
      const group = await this.findGroup(ref);
      if (!group) return this.unknown(ref);
      const now = this.clock.now();
      if (durationMs === undefined) {
        const updated =
          (await this.store.updateAlertGroup(group.key, { silencedUntil: null, silencedBy: null })) ?? group;
        await this.queueGroupNote(updated, { kind: 'unsilenced', at: now.toISOString(), by: actorText(actor) });
        return ok(updated);
      }
      const until = new Date(now.getTime() + durationMs);
      const updated =
        (await this.store.updateAlertGroup(group.key, { silencedUntil: until, silencedBy: actor })) ?? group;
      await this.queueGroupNote(
        updated,
        { kind: 'silenced', at: now.toISOString(), by: actorText(actor), until: until.toISOString() },
        true,
      );
      return ok(updated);
    });
  }

  /** Mutes every alert post in one channel for a while (`durationMs` undefined: unmute). */
  async mute(
    platform: Platform,
    channelId: string,
    durationMs: number | undefined,
    actor: Actor,
  ): Promise<Result<ChannelMute | undefined>> {
    if (durationMs !== undefined && (durationMs < muteLimits.minMs || durationMs > muteLimits.maxMs)) {
      return fail(
        AlertCode.badDuration,
        `A mute lasts from 1m to 30d; ${formatDuration(durationMs)} is outside that. Nothing was changed. Example: \`alerts mute 4h\`, or \`alerts mute off\`.`,
      );
    }
    const now = this.clock.now();
    if (durationMs === undefined) {
      await this.store.setState(muteKey(platform, channelId), undefined);
      return ok(undefined);
    }
    const mute: ChannelMute = {
      until: new Date(now.getTime() + durationMs).toISOString(),
      by: actorText(actor),
      at: now.toISOString(),
    };
    await this.store.setState(muteKey(platform, channelId), mute);
    return ok(mute);
  }

  /** The mute of a channel, while it lasts. */
  async muteOf(platform: Platform, channelId: string): Promise<ChannelMute | undefined> {
    const mute = await this.store.getState<ChannelMute>(muteKey(platform, channelId));
    if (!mute || Date.parse(mute.until) <= this.clock.now().getTime()) return undefined;
    return mute;
  }

  /** Queues a reminder for every firing group nobody acknowledged for `alertReminderMs`; resolves to how many. */
  remind(): Promise<number> {
    return this.serial(async () => {
      const now = this.clock.now();
      const firing = await this.store.listAlerts({ status: 'firing' });
      const oldest = new Map<string, AlertRecord>();
      for (const a of firing) if (!oldest.has(a.groupKey)) oldest.set(a.groupKey, a);
      let count = 0;
      for (const [key, first] of oldest) {
        const group = await this.store.getAlertGroup(key);
        if (!group || group.ackedBy) continue;
        if (group.silencedUntil && group.silencedUntil.getTime() > now.getTime()) continue;
        const every = this.thresholdsFor(group.cluster).alertReminderMs;
        if (every <= 0) continue;
        const since = (group.remindedAt ?? first.startedAt).getTime();
        if (now.getTime() - since < every) continue;
        await this.store.updateAlertGroup(key, { remindedAt: now });
        await this.queueGroupNote(group, {
          kind: 'reminder',
          at: now.toISOString(),
          durationMs: now.getTime() - first.startedAt.getTime(),
        });
        count++;
      }
      return count;
    });
  }

  /** Forgets alerts resolved more than `resolvedRetentionMs` ago (bounded history); resolves to how many. */
  prune(): Promise<number> {
    return this.serial(() => this.store.pruneAlerts(new Date(this.clock.now().getTime() - resolvedRetentionMs)));
  }

  /** Starts delivering soon (coalesced with a delivery already running). */
  kick(): void {
    void this.deliver().catch((err: unknown) => {
      this.logger.error({ err }, 'alert delivery failed');
    });
  }

  /** Delivers every due outbox entry (one instance at a time); resolves when the outbox has nothing due. */
  deliver(): Promise<DeliveryStats> {
    if (this.delivering) {
      this.again = true;
      return this.delivering;
    }
    const stats: DeliveryStats = { posted: 0, updated: 0, rootsCreated: 0, failed: 0, dropped: 0 };
    this.delivering = (async () => {
      try {
        do {
          this.again = false;
          await this.store.withLock('alerts:deliver', () => this.drain(stats));
        } while (this.askedAgain());
        return stats;
      } finally {
        this.delivering = undefined;
      }
    })();
    return this.delivering;
  }

  /** Whether a delivery was asked for while the last round ran (cleared by the next round). */
  private askedAgain(): boolean {
    return this.again;
  }

  /** Retries due deliveries and sends reminders every `everyMs` until `stop()`. */
  start(everyMs = 5000): void {
    if (this.timer) return;
    let reminderAt = 0;
    let pruneAt = 0;
    this.timer = setInterval(() => {
      const now = Date.now();
      if (now >= reminderAt) {
        reminderAt = now + 60_000;
        void this.remind().catch((err: unknown) => {
          this.logger.error({ err }, 'alert reminders failed');
        });
      }
      if (now >= pruneAt) {
        pruneAt = now + 3_600_000;
        void this.prune().catch((err: unknown) => {
          this.logger.error({ err }, 'pruning old alerts failed');
        });
      }
      this.kick();
    }, everyMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a running delivery. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.delivering?.catch(() => undefined);
    await this.chain;
  }

  private async drain(stats: DeliveryStats): Promise<void> {
    for (;;) {
      const now = this.clock.now().getTime();
      const queued = await this.store.listAlertDeliveries({ limit: 10_000 });
      const byChannel = new Map<string, AlertDelivery[]>();
      for (const d of queued) {
        const key = `${d.platform}\u0000${d.channelId}`;
        const list = byChannel.get(key);
        if (list) list.push(d);
        else byChannel.set(key, [d]);
      }
      // A channel goes in order: while its oldest message waits for a retry, newer ones wait behind it.
      const ready = [...byChannel.values()].filter((list) => (list[0]?.nextAttemptAt.getTime() ?? Infinity) <= now);
      if (ready.length === 0) return;
      await Promise.all(ready.map((list) => this.drainChannel(list, stats)));
    }
  }

  private backoff(attempts: number): number {
    return Math.min(this.retryBaseMs * 2 ** Math.max(0, attempts - 1), this.retryMaxMs);
  }

  private async drainChannel(entries: readonly AlertDelivery[], stats: DeliveryStats): Promise<void> {
    const first = entries[0];
    if (!first) return;
    const { platform, channelId } = first;
    const now = this.clock.now();
    const all = entries.map((e) => e.id);
    const sink = this.sinks.find((s) => s.platform === platform);
    if (!sink) {
      // The adapter may not have started yet: keep the messages for later.
      await this.store.retryAlertDeliveries(all, new Date(now.getTime() + this.retryBaseMs), `no ${platform} sink`);
      return;
    }
    if (await this.muteOf(platform, channelId)) {
      await this.store.completeAlertDeliveries(all);
      stats.dropped += all.length;
      return;
    }
    const byGroup = new Map<string, AlertDelivery[]>();
    for (const e of entries) {
      const list = byGroup.get(e.groupKey);
      if (list) list.push(e);
      else byGroup.set(e.groupKey, [e]);
    }
    const pending = [...byGroup.entries()];
    for (let i = 0; i < pending.length; i++) {
      const [groupKey, list] = pending[i] ?? ['', []];
      try {
        await this.deliverGroup(sink, platform, channelId, groupKey, list, stats);
      } catch (err) {
        // Keep the channel's order: this group and the ones after it wait for the same retry.
        const rest = pending.slice(i).flatMap(([, l]) => l);
        const attempts = Math.max(...rest.map((e) => e.attempts)) + 1;
        const message = err instanceof Error ? err.message : String(err);
        await this.store.retryAlertDeliveries(
          rest.map((e) => e.id),
          new Date(this.clock.now().getTime() + this.backoff(attempts)),
          message,
        );
        stats.failed += rest.length;
        this.observer.deliveryFailed?.(platform);
        this.logger.warn(
          { err: message, platform, channelId, group: groupKey, attempts },
          'alert post failed; will retry',
        );
        return;
      }
    }
  }

  private async deliverGroup(
    sink: ChatSink,
    platform: Platform,
    channelId: string,
    groupKey: string,
    entries: readonly AlertDelivery[],
    stats: DeliveryStats,
  ): Promise<void> {
    const ids = entries.map((e) => e.id);
    const now = this.clock.now();
    const group = await this.store.getAlertGroup(groupKey);
    if (!group) {
      await this.store.completeAlertDeliveries(ids);
      return;
    }
    const payloads = entries.map((e) => e.payload as DeliveryPayload);
    const silenced = group.silencedUntil !== undefined && group.silencedUntil.getTime() > now.getTime();
    const usable = silenced ? payloads.filter((p) => p.always) : payloads;
    if (usable.length === 0) {
      await this.store.completeAlertDeliveries(ids);
      stats.dropped += ids.length;
      return;
    }
    const tz = this.config.timezone;
    const known = this.clusterKnown(group.cluster);
    const alerts = await this.store.listAlerts({
      groupKey,
      resolvedSince: new Date(now.getTime() - recentlyResolvedMs),
    });
    const root = group.roots.find((r) => r.platform === platform && r.channelId === channelId);
    if (!root) {
      // The new root shows the whole current state, which covers every queued change.
      const rootReply = groupRootReply(group, alerts, now, tz, known);
      const files = await this.attachmentsFor(group, alerts, now);
      const ref = await this.paced(platform, channelId, 'post', () =>
        sink.post({ channelId }, files.length > 0 ? { ...rootReply, attachments: files } : rootReply),
      );
      const fresh = (await this.store.getAlertGroup(groupKey)) ?? group;
      await this.store.updateAlertGroup(groupKey, { roots: [...fresh.roots, ref], updatedAt: now });
      await this.store.completeAlertDeliveries(ids);
      stats.rootsCreated++;
      stats.posted++;
      return;
    }
    const notes = usable.flatMap((p) => (p.quiet ? [] : p.notes));
    if (notes.length > 0) {
      await this.paced(platform, channelId, 'post', () =>
        sink.post({ channelId, threadOf: threadRef(root) }, changesReply(group, notes, now, tz, known)),
      );
      stats.posted++;
    }
    // The thread reply is out: from here a failure may only repeat the root edit, never the reply.
    await this.store.completeAlertDeliveries(ids);
    try {
      await this.paced(platform, channelId, 'update', () =>
        sink.update(root, groupRootReply(group, alerts, now, tz, known)),
      );
      stats.updated++;
    } catch (err) {
      await this.store.enqueueAlertDeliveries([
        {
          groupKey,
          platform,
          channelId,
          payload: { notes: [], quiet: true } satisfies DeliveryPayload,
          createdAt: now,
          nextAttemptAt: new Date(now.getTime() + this.retryBaseMs),
        },
      ]);
      throw err;
    }
  }

  private async attachmentsFor(
    group: AlertGroup,
    alerts: readonly AlertRecord[],
    now: Date,
  ): Promise<ReplyAttachment[]> {
    if (!this.rootAttachments) return [];
    try {
      return await this.rootAttachments(group, alerts, now);
    } catch (err) {
      this.logger.warn({ err, group: group.key }, 'attachments for an alert thread failed; posting without them');
      return [];
    }
  }

  private paced<T>(platform: Platform, channelId: string, kind: 'post' | 'update', send: () => Promise<T>): Promise<T> {
    return this.pacer.run(`${platform}:${channelId}`, () => {
      this.observer.sinkCall?.(platform, channelId, kind);
      return send();
    });
  }
}

interface FireInput {
  fingerprint: string;
  groupKey: string;
  cluster: string;
  rule: string;
  subject: string;
  source: AlertSource;
  severity: AlertRecord['severity'];
  summary: string;
  detail: AlertDetail | undefined;
  startsAt: Date;
  now: Date;
  thresholds: Thresholds;
}

/** The message to thread under: the root itself (its own id is the thread id). */
function threadRef(root: MessageRef): MessageRef {
  return root;
}
