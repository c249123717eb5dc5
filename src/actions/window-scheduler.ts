/**
 * Runs rebalance windows. A timer calls `tick()` every minute (tests call it directly with a manual clock).
 * Per cluster, under the store lock `rebalance:<cluster>` (with PostgreSQL: on exactly one bot instance), a
 * tick settles decided approvals, watches the meta leader, starts due windows (pre-checks, `lively`, the
 * thread's first message), advances running ones (guards, progress, the end when balanced or at the end
 * time) and samples the traffic `rebalance plan` uses. Every side effect follows a recorded window step, so
 * no step runs twice; a bot restarted mid-window resumes from the store, and one restarted after a window's
 * end sets `steady` on its first tick.
 */
import type { ChatSink } from '../chat/chat-sink.js';
import type { Clock } from '../clock.js';
import type { ClusterHandle } from '../commands/command-spec.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MetaLevel } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import type { RebalanceWindow } from '../store/store.js';
import { asDistribution, readDistribution, skewWithin, pct, formatOperations } from './distribution.js';
import {
  leaderChangeFinding,
  noticeLeaderChange,
  observeLeader,
  postToCluster,
  rememberLeader,
  type LeaderChange,
  type LeaderMemory,
  type LeaderObservation,
} from './leader-watch.js';
import { readTrafficProfile, recordTraffic } from './traffic-profile.js';
import {
  auditWindow,
  decidedOutcome,
  finishWindow,
  postToWindow,
  schedulerActor,
  settleWindows,
  windowLockName,
  zoneOf,
  type WindowDeps,
  type WindowOutcome,
} from './window-lifecycle.js';
import { noteReply, progressReply, startReply, type ProgressDetail } from './window-replies.js';

/** What the scheduler is built from. */
export interface WindowSchedulerOptions {
  store: WindowDeps['store'];
  clusters: readonly ClusterHandle[];
  config: Config;
  clock: Clock;
  /** Chat sinks; read on every use, so adapters started later may push theirs. */
  sinks: readonly ChatSink[];
  logger?: Logger;
  /** How often each cluster's total QPS is sampled for `rebalance plan` (default 15 min; 0 turns it off). */
  trafficSampleEveryMs?: number;
}

/** What one tick did on one cluster (for logs and tests). */
export interface ClusterTick {
  cluster: string;
  /** False when another instance held the cluster's lock. */
  ran: boolean;
  started: string[];
  progressed: string[];
  ended: string[];
  leaderChange?: LeaderChange;
}

const cureStopping: readonly MetaLevel[] = ['freezed', 'blind', 'stopped'];

function minuteKey(at: Date): string {
  return at.toISOString().slice(0, 16);
}

/** Runs rebalance windows; see the file comment. */
export class WindowScheduler {
  private readonly options: WindowSchedulerOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(options: WindowSchedulerOptions) {
    this.options = options;
  }

  private get deps(): WindowDeps {
    const { store, clock, config, sinks, logger } = this.options;
    return { store, clock, config, sinks, ...(logger ? { logger } : {}) };
  }

  /** Runs one round over every cluster; a cluster whose lock another instance holds is skipped. */
  async tick(): Promise<ClusterTick[]> {
    const results: ClusterTick[] = [];
    for (const handle of this.options.clusters) {
      const report: ClusterTick = { cluster: handle.name, ran: false, started: [], progressed: [], ended: [] };
      try {
        const outcome = await this.options.store.withLock(windowLockName(handle.name), () =>
          this.tickCluster(handle, report),
        );
        report.ran = outcome.ran;
      } catch (err) {
        this.options.logger?.error({ err, cluster: handle.name }, 'rebalance window tick failed');
        report.ran = true;
      }
      results.push(report);
    }
    return results;
  }

  /** Ticks every `everyMs` (default a minute) until `stop()`; a tick still running is not overlapped. */
  start(everyMs = 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.tick()
        .catch((err: unknown) => {
          this.options.logger?.error({ err }, 'rebalance scheduler tick failed');
        })
        .finally(() => {
          this.running = undefined;
        });
    }, everyMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tickCluster(handle: ClusterHandle, report: ClusterTick): Promise<void> {
    const { store, clock } = this.options;
    const deps = this.deps;
    await settleWindows(deps, handle.name);
    const seen = await observeLeader(handle.api);
    const watch = await noticeLeaderChange(store, handle.name, seen, clock.now());
    if (watch.change) report.leaderChange = watch.change;
    const runningBefore = await store.listWindows({ cluster: handle.name, statuses: ['running'] });
    if (watch.change && runningBefore.length === 0) {
      await this.reportLeaderChange(handle, watch.change, watch.findings);
    }
    const due = (await store.listWindows({ cluster: handle.name, statuses: ['approved'] }))
      .filter((w) => w.start.getTime() <= clock.now().getTime())
      .sort((a, b) => a.start.getTime() - b.start.getTime());
    for (const window of due) {
      if (await this.startWindow(handle, window, seen)) report.started.push(window.id);
    }
    for (const window of runningBefore) {
      const result = await this.advanceWindow(handle, window, seen, watch.previous);
      if (result === 'ended') report.ended.push(window.id);
      if (result === 'progressed') report.progressed.push(window.id);
    }
    for (const id of report.started) {
      const w = await store.getWindow(id);
      if (w && w.status !== 'running' && w.status !== 'approved') report.ended.push(id);
    }
    await this.sampleTraffic(handle);
  }

  private async reportLeaderChange(handle: ClusterHandle, change: LeaderChange, findings: Finding[]): Promise<void> {
    const { config, sinks, logger, clock } = this.options;
    const at = clock.now();
    await postToCluster(
      sinks,
      handle.config,
      config,
      {
        command: 'get_meta_level',
        status: 'warn',
        title: `${handle.name}: the meta leader changed (${change.from} → ${change.to}) and the meta level is now fl_${change.levelNow}`,
        findings: findings.length > 0 ? findings : [leaderChangeFinding(change)],
        context: { cluster: handle.name, at: at.toISOString() },
      },
      logger,
    );
  }

  /** Starts a due window; resolves true when this call handled its start (started or failed it). */
  private async startWindow(handle: ClusterHandle, window: RebalanceWindow, seen: LeaderObservation): Promise<boolean> {
    const { store, clock } = this.options;
    const deps = this.deps;
    const tz = zoneOf(deps);
    if (clock.now().getTime() >= window.end.getTime()) return false; // settleWindows expires it
    const first = await store.recordWindowStep({ windowId: window.id, key: 'start', at: clock.now(), detail: null });
    if (!first) {
      // A start began earlier and never finished (the bot stopped half-way). If lively was set, end at steady;
      // if not, the level is whatever the pre-checks saw (maybe a deliberate freezed): leave it alone.
      const again = await store.getWindow(window.id);
      if (again?.status !== 'approved') return true;
      const livelySet = (await store.listWindowSteps(window.id)).some((s) => s.key === 'lively');
      if (livelySet) {
        await finishWindow(deps, handle, again, {
          status: 'failed',
          reason: 'the start was interrupted (the bot stopped while starting); steady was set again',
        });
        return true;
      }
      return this.failStart(again, 'the start was interrupted (the bot stopped while starting) before lively was set');
    }
    const now = clock.now();
    const [read, tables] = await Promise.all([readDistribution(handle.api, now), handle.api.listTables()]);
    const problems: string[] = [];
    if (!read.ok) problems.push(`the cluster could not be read (${read.error.message})`);
    else {
      const unalive = read.value.nodes.filter((n) => n.status === 'UNALIVE').map((n) => n.address);
      if (unalive.length > 0) problems.push(`replica servers UNALIVE: ${unalive.join(', ')}`);
      if (read.value.info.metaFunctionLevel === 'freezed' && seen.storedLevel !== 'freezed') {
        problems.push('freeze protection holds the cluster at fl_freezed');
      }
    }
    if (!tables.ok) problems.push(`partition health could not be read (${tables.error.message})`);
    else {
      const ill = tables.value.filter((t) => (t.health?.unhealthy ?? 0) > 0);
      if (ill.length > 0) {
        problems.push(`unhealthy partitions: ${ill.map((t) => `${t.name} ${t.health?.unhealthy ?? 0}`).join(', ')}`);
      }
    }
    const stored = seen.storedLevel;
    if (stored && cureStopping.includes(stored)) problems.push(`the meta level is fl_${stored} (frozen on purpose?)`);
    if (problems.length > 0) {
      return this.failStart(window, `pre-check failed: ${problems.join('; ')}`);
    }
    const set = await handle.api.setMetaLevel('lively');
    if (!set.ok) return this.failStart(window, `could not set lively: ${set.error.message}`);
    await store.recordWindowStep({
      windowId: window.id,
      key: 'lively',
      at: clock.now(),
      detail: { oldLevel: set.value.oldLevel },
    });
    if (!read.ok) return true; // unreachable: problems above
    const before = read.value.distribution;
    if (read.value.info.primaryMetaServer) {
      // A fail-over during the window is judged against lively.
      await rememberLeader(store, window.cluster, read.value.info.primaryMetaServer, 'lively', clock.now());
    }
    const started: RebalanceWindow = { ...window, status: 'running', startedAt: now, before };
    const thread = await postToWindow(deps, started, startReply(started, before, tz, clock.now()));
    await store.updateWindow(window.id, ['approved'], {
      status: 'running',
      startedAt: now,
      before,
      quietChecks: 0,
      ...(thread ? { thread } : {}),
    });
    await auditWindow(deps, {
      actor: schedulerActor,
      channelId: window.channelId,
      cluster: window.cluster,
      event: 'window',
      command: `rebalance start ${window.id}`,
      outcome: `running: lively (was fl_${set.value.oldLevel})`,
      ref: window.id,
    });
    return true;
  }

  private async failStart(window: RebalanceWindow, reason: string): Promise<boolean> {
    const deps = this.deps;
    const now = this.options.clock.now();
    const failed = await this.options.store.updateWindow(window.id, ['approved'], {
      status: 'failed',
      endReason: reason,
      endedAt: now,
    });
    if (!failed) return true;
    await postToWindow(
      deps,
      failed,
      noteReply(
        failed,
        'crit',
        `did not start: ${reason}. The meta level was not changed. Fix the cause and request a new window.`,
        now,
      ),
    );
    await auditWindow(deps, {
      actor: schedulerActor,
      channelId: window.channelId,
      cluster: window.cluster,
      event: 'window',
      command: `rebalance start ${window.id}`,
      outcome: `failed: ${reason}`,
      ref: window.id,
    });
    return true;
  }

  private async end(handle: ClusterHandle, window: RebalanceWindow, outcome: WindowOutcome): Promise<'ended' | 'idle'> {
    const ended = await finishWindow(this.deps, handle, window, outcome);
    return ended ? 'ended' : 'idle';
  }

  /** One minute of a running window: recorded end, end time, level, guards, progress, balanced. */
  private async advanceWindow(
    handle: ClusterHandle,
    window: RebalanceWindow,
    seen: LeaderObservation,
    previous: LeaderMemory | undefined,
  ): Promise<'ended' | 'progressed' | 'idle'> {
    const { store, clock } = this.options;
    const deps = this.deps;
    const tz = zoneOf(deps);
    const thresholds = handle.config.thresholds;
    const decided = await decidedOutcome(store, window.id);
    if (decided) return this.end(handle, window, decided);
    const now = clock.now();
    if (now.getTime() >= window.end.getTime()) {
      const last = await readDistribution(handle.api, now);
      const balanced =
        last.ok &&
        last.value.distribution.balanceOperations.total === 0 &&
        skewWithin(last.value.distribution, thresholds.skewRatio);
      return this.end(handle, window, {
        status: 'done',
        reason: balanced
          ? 'end time reached (balanced)'
          : `end time reached before it was balanced${last.ok ? ` (${formatOperations(last.value.distribution.balanceOperations)} operations left)` : ''}`,
      });
    }
    if (seen.storedLevel !== undefined && seen.storedLevel !== 'lively') {
      const failedOver = previous !== undefined && seen.leader !== undefined && previous.leader !== seen.leader;
      if (!failedOver) {
        return this.end(handle, window, {
          status: 'aborted',
          reason: `guard: the meta level was changed to fl_${seen.storedLevel} outside the window`,
          ...(cureStopping.includes(seen.storedLevel) ? { keepLevel: seen.storedLevel } : {}),
        });
      }
      if (
        await store.recordWindowStep({ windowId: window.id, key: `reassert:${minuteKey(now)}`, at: now, detail: seen })
      ) {
        const set = await handle.api.setMetaLevel('lively');
        if (set.ok && seen.leader) await rememberLeader(store, window.cluster, seen.leader, 'lively', clock.now());
        await postToWindow(
          deps,
          window,
          noteReply(
            window,
            set.ok ? 'warn' : 'crit',
            set.ok
              ? `the meta leader changed from ${previous.leader} to ${seen.leader ?? 'another meta server'} and the new leader was at fl_${seen.storedLevel}: lively was set again`
              : `the meta leader changed from ${previous.leader} to ${seen.leader ?? 'another meta server'} (at fl_${seen.storedLevel}) and lively could not be set again: ${set.error.message}`,
            clock.now(),
          ),
        );
      }
    }
    const sensitive = handle.config.latencySensitiveTables;
    const [read, tables, load] = await Promise.all([
      readDistribution(handle.api, now),
      handle.api.listTables(),
      sensitive.length > 0 ? handle.api.load() : Promise.resolve(undefined),
    ]);
    if (!read.ok) {
      if (
        await store.recordWindowStep({
          windowId: window.id,
          key: `progress:${minuteKey(now)}`,
          at: now,
          detail: { error: read.error },
        })
      ) {
        await postToWindow(
          deps,
          window,
          noteReply(
            window,
            'warn',
            `the cluster could not be read (${read.error.message}); the window goes on until its end time`,
            now,
          ),
        );
      }
      return 'idle';
    }
    const d = read.value.distribution;
    const unalive = d.nodes.filter((n) => n.status === 'UNALIVE').map((n) => n.address);
    if (unalive.length > 0) {
      return this.end(handle, window, {
        status: 'aborted',
        reason: `guard: replica server ${unalive.join(', ')} UNALIVE`,
      });
    }
    if (tables.ok) {
      const ill = tables.value.filter((t) => (t.health?.unhealthy ?? 0) > 0);
      if (ill.length > 0) {
        return this.end(handle, window, {
          status: 'aborted',
          reason: `guard: unhealthy partitions (${ill.map((t) => `${t.name} ${t.health?.unhealthy ?? 0}`).join(', ')})`,
        });
      }
    }
    if (load?.ok) {
      for (const table of sensitive) {
        const stats = load.value.tables.find((t) => t.name === table.name);
        if (!stats) continue;
        const readLimit = table.readP99Ms ?? thresholds.readP99MsWarn;
        const writeLimit = table.writeP99Ms ?? thresholds.writeP99MsWarn;
        const readMs = stats.readP99Ns / 1e6;
        const writeMs = stats.writeP99Ns / 1e6;
        if (readMs > readLimit || writeMs > writeLimit) {
          const which =
            readMs > readLimit
              ? `read P99 ${readMs.toFixed(1)} ms over its limit of ${readLimit} ms`
              : `write P99 ${writeMs.toFixed(1)} ms over its limit of ${writeLimit} ms`;
          return this.end(handle, window, {
            status: 'aborted',
            reason: `guard: latency-sensitive table ${table.name} ${which}`,
          });
        }
      }
    }
    const ops = d.balanceOperations.total;
    const quietChecks = ops === 0 ? window.quietChecks + 1 : 0;
    const detail: ProgressDetail = {
      operations: ops,
      primaryStddev: d.primaryStddev,
      totalStddev: d.totalStddev,
      replicaSkew: d.replicaSkew,
      primarySkew: d.primarySkew,
      quietChecks,
    };
    if (!(await store.recordWindowStep({ windowId: window.id, key: `progress:${minuteKey(now)}`, at: now, detail }))) {
      return 'idle';
    }
    const updated = (await store.updateWindow(window.id, ['running'], { quietChecks })) ?? { ...window, quietChecks };
    await postToWindow(deps, updated, progressReply(updated, asDistribution(window.before), d, quietChecks, tz, now));
    if (quietChecks >= 2 && skewWithin(d, thresholds.skewRatio)) {
      const result = await this.end(handle, updated, {
        status: 'done',
        reason: `balanced: no balance operations on two checks in a row, skew within ${pct(thresholds.skewRatio)}`,
      });
      return result === 'ended' ? 'ended' : 'progressed';
    }
    return 'progressed';
  }

  private async sampleTraffic(handle: ClusterHandle): Promise<void> {
    const every = this.options.trafficSampleEveryMs ?? 15 * 60_000;
    if (every <= 0) return;
    const { store, clock, config } = this.options;
    const now = clock.now();
    const profile = await readTrafficProfile(store, handle.name);
    if (profile && now.getTime() - Date.parse(profile.updatedAt) < every) return;
    const load = await handle.api.load();
    if (!load.ok) return;
    const qps = load.value.tables.reduce((sum, t) => sum + t.readQps + t.writeQps, 0);
    await recordTraffic(store, handle.name, now, qps, config.timezone);
  }
}
