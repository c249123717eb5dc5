/**
 * Whole rebalance windows against the simulated cluster over real sockets, with a manual clock, on SQLite and
 * on PostgreSQL: request → confirm → approval by a second admin → start (pre-checks, lively) → progress every
 * minute → balanced → steady with a summary; abort; guards (a node stopped, a latency spike, the level changed
 * by hand); a leader fail-over mid-window; a bot restarted mid-window and after the end.
 */
import { describe, expect, it } from 'vitest';
import { asDistribution } from '../../src/actions/distribution.js';
import type { Reply } from '../../src/replies/reply.js';
import {
  approvedWindow,
  people,
  pendingId,
  requestWindow,
  useWorlds,
  type StoreKind,
  type World,
} from './action-fixtures.js';

const minute = 60_000;

/** Registers the suite for one store kind (each kind runs from its own test file, in parallel). */
export function describeWindowLifecycle(kind: StoreKind): void {
  describe(`rebalance windows on ${kind.name}`, () => {
    const world = useWorlds({ store: kind });

    async function stepKeys(w: World, id: string): Promise<string[]> {
      return (await w.store.listWindowSteps(id)).map((s) => s.key);
    }

    function threadOf(w: World, id: string): Reply[] {
      const root = w.sink.posts.find((p) => p.reply.title.startsWith(`Rebalance window ${id} started`));
      if (!root) throw new Error(`no start message for ${id}`);
      return w.sink.inThread(root.ref);
    }

    it('runs a whole window: approval by a second admin, lively, progress, balanced, steady with a summary', async () => {
      const w = await world();
      const prompt = await w.run(people.alice, 'rebalance request now 1h --reason "after adding nodes"');
      expect(prompt.title).toMatch(/^Confirm: open a rebalance window on prod: 2026-01-05 01:00–02:00 UTC \(1h\)/);
      const waiting = await w.click(people.alice, 'confirm', pendingId(prompt));
      const id = (waiting.data?.['window'] as { id: string }).id;
      expect((await w.store.getWindow(id))?.status).toBe('pending');
      const approvalPost = w.sink.posts.find((p) =>
        p.reply.title.startsWith('Approval needed: open a rebalance window'),
      );
      expect(approvalPost?.reply.actions?.map((a) => `${a.kind}:${a.ref}`)).toEqual([`approve:${id}`, `reject:${id}`]);
      expect(w.levelCalls).toEqual([]);

      const approved = await w.click(people.bob, 'approve', id);
      expect(approved.title).toContain(`Rebalance window ${id} approved by bob (slack:UBOB)`);
      expect((await w.store.getWindow(id))?.status).toBe('approved');
      expect(w.sink.updates.some((u) => u.ref.messageId === approvalPost?.ref.messageId)).toBe(true);

      const [first] = await w.bot.scheduler.tick();
      expect(first?.started).toEqual([id]);
      expect(w.levelCalls).toEqual(['lively']);
      const running = await w.store.getWindow(id);
      expect(running?.status).toBe('running');
      const before = asDistribution(running?.before);
      expect(before?.primarySkew).toBeGreaterThan(0.5);
      expect(running?.thread?.channelId).toBe('C1');

      // Two quiet checks in a row end it: the simulated balancer needs less than a minute here.
      w.advance(minute);
      const [second] = await w.bot.scheduler.tick();
      expect(second?.progressed).toEqual([id]);
      expect((await w.store.getWindow(id))?.quietChecks).toBe(1);
      w.advance(minute);
      const [third] = await w.bot.scheduler.tick();
      expect(third?.ended).toEqual([id]);
      const done = await w.store.getWindow(id);
      expect(done?.status).toBe('done');
      expect(done?.endReason).toMatch(/^balanced: no balance operations on two checks in a row/);
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      expect(w.sim.model.leader()?.storedLevel).toBe('steady');
      const after = asDistribution(done?.after);
      expect(after?.primaryStddev).toBeLessThan(before?.primaryStddev ?? 0);
      expect(after?.primarySkew).toBeLessThanOrEqual(0.25);

      const thread = threadOf(w, id);
      expect(thread.filter((r) => r.title.startsWith(`Window ${id}:`)).length).toBeGreaterThanOrEqual(2);
      const summary = thread.at(-1);
      expect(summary?.title).toMatch(new RegExp(`^Rebalance window ${id} finished after 2m: balanced`));
      expect(summary?.tables?.[0]?.columns).toEqual([
        'address',
        'replicas before',
        'replicas after',
        'primaries before',
        'primaries after',
      ]);
      expect(summary?.text?.[0]).toContain('back to steady');
      const keys = await stepKeys(w, id);
      expect(
        keys.filter((k) => k === 'start' || k === 'lively' || k === 'end' || k === 'steady' || k === 'summary'),
      ).toEqual(['start', 'lively', 'end', 'steady', 'summary']);
      expect(keys.filter((k) => k.startsWith('progress:'))).toHaveLength(2);

      // Later ticks change nothing.
      w.advance(minute);
      await w.bot.scheduler.tick();
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      const audit = await w.store.listAudit({ limit: 50, ref: id });
      expect(audit.map((a) => a.event)).toEqual(
        expect.arrayContaining(['approval_requested', 'approved', 'result', 'window']),
      );
    });

    it('aborts a running window at once: steady, a summary, and nothing more on later ticks', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      await w.bot.scheduler.tick();
      expect(w.levelCalls).toEqual(['lively']);
      const prompt = await w.run(people.carol, `rebalance abort ${id}`);
      expect(prompt.title).toBe(`Confirm: abort rebalance window ${id} on prod and set the meta level to steady?`);
      const aborted = await w.click(people.carol, 'confirm', pendingId(prompt));
      expect(aborted.title).toBe(`Rebalance window ${id} aborted: the meta level is steady again`);
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('aborted');
      expect(window?.endReason).toBe('aborted by carol (slack:UCAROL)');
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      expect(threadOf(w, id).at(-1)?.title).toMatch(new RegExp(`^Rebalance window ${id} aborted`));
      w.advance(minute);
      await w.bot.scheduler.tick();
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      const again = await w.run(people.carol, `rebalance abort ${id}`);
      const second = await w.click(people.carol, 'confirm', pendingId(again));
      expect(second.title).toBe(`Window ${id} is aborted`);
    });

    it('ends the window when a replica server stops (guard) and sets steady', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      await w.bot.scheduler.tick();
      await w.sim.faults.stopReplica(4);
      w.advance(minute);
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('aborted');
      expect(window?.endReason).toBe(`guard: replica server ${w.sim.replicaServers[4] ?? ''} UNALIVE`);
      expect(w.levelCalls).toEqual(['lively', 'steady']);
    });

    it('ends the window when a latency-sensitive table’s P99 goes over its limit', async () => {
      const w = await world({ cluster: { latencySensitiveTables: [{ name: 'user_profile', readP99Ms: 100 }] } });
      const id = await approvedWindow(w);
      await w.bot.scheduler.tick();
      w.advance(minute);
      await w.bot.scheduler.tick();
      expect((await w.store.getWindow(id))?.status).toBe('running');
      w.sim.faults.latencySpike('user_profile', 40);
      w.advance(minute);
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('aborted');
      expect(window?.endReason).toMatch(
        /^guard: latency-sensitive table user_profile read P99 \d+\.\d ms over its limit of 100 ms$/,
      );
      expect(w.levelCalls).toEqual(['lively', 'steady']);
    });

    it('fails a window whose pre-checks fail, without touching the level', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      w.sim.faults.unhealthyPartitions({ table: 'temp', count: 2 });
      const [tick] = await w.bot.scheduler.tick();
      expect(tick?.ended).toEqual([id]);
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('failed');
      expect(window?.endReason).toMatch(/^pre-check failed: unhealthy partitions: temp 2/);
      expect(w.levelCalls).toEqual([]);
      expect(w.sink.posts.at(-1)?.reply.title).toContain('did not start: pre-check failed');
    });

    it('re-asserts lively after a leader fail-over and says so in the thread', async () => {
      const w = await world({ sim: { seed: 11 } });
      const id = await approvedWindow(w, 'rebalance request now 2h');
      await w.bot.scheduler.tick();
      const change = w.sim.faults.failover();
      expect(change.storedLevel).toBe('steady');
      w.advance(10_000);
      await w.bot.scheduler.tick();
      expect(w.levelCalls).toEqual(['lively', 'lively']);
      expect(w.sim.model.leader()?.storedLevel).toBe('lively');
      const note = threadOf(w, id).find((r) => r.title.includes('the meta leader changed'));
      expect(note?.title).toContain(
        `from ${change.from} to ${change.to} and the new leader was at fl_steady: lively was set again`,
      );
      expect((await w.store.getWindow(id))?.status).toBe('running');
    });

    it('ends the window when someone sets the level by hand, leaving freezed alone', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      await w.bot.scheduler.tick();
      expect((await w.bot.api.setMetaLevel('freezed')).ok).toBe(true);
      w.advance(minute);
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('aborted');
      expect(window?.endReason).toBe('guard: the meta level was changed to fl_freezed outside the window');
      expect(w.levelCalls).toEqual(['lively', 'freezed']);
      expect(threadOf(w, id).at(-1)?.text?.[0]).toContain('left at fl_freezed');
    });

    it('resumes a window after a restart mid-window and runs no step twice', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      await w.bot.scheduler.tick();
      w.advance(10_000);
      await w.bot.scheduler.tick();
      const quiet = (await w.store.getWindow(id))?.quietChecks;
      // The old instance is gone; a new one (client, dispatcher, scheduler) reads the same store.
      await w.bot.api.close();
      w.bot = w.instance(await w.reopenStore());
      const status = await w.run(people.vic, `rebalance status ${id}`);
      expect(status.title).toBe(`Rebalance window ${id} on prod: running`);
      for (let i = 0; i < 3; i++) {
        w.advance(minute);
        await w.bot.scheduler.tick();
      }
      const window = await w.bot.store.getWindow(id);
      expect(quiet).toBeDefined();
      expect(window?.status).toBe('done');
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      const keys = await stepKeys(w, id);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.filter((k) => k === 'start')).toHaveLength(1);
    });

    it('sets steady on the first tick of a bot restarted after the window’s end', async () => {
      const w = await world();
      const id = await approvedWindow(w, 'rebalance request now 30m');
      await w.bot.scheduler.tick();
      expect(w.levelCalls).toEqual(['lively']);
      await w.bot.api.close();
      w.clock.advance(3 * 3_600_000); // the bot was down; the cluster stayed lively
      w.bot = w.instance(await w.reopenStore());
      const [tick] = await w.bot.scheduler.tick();
      expect(tick?.ended).toEqual([id]);
      const window = await w.bot.store.getWindow(id);
      expect(window?.status).toBe('done');
      expect(window?.endReason).toMatch(/^end time reached/);
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      expect(w.sim.model.leader()?.storedLevel).toBe('steady');
    });

    it('expires an approved window whose whole period passed while the bot was down, without touching the level', async () => {
      const w = await world();
      const id = await approvedWindow(w, 'rebalance request +1h 30m');
      w.clock.advance(3 * 3_600_000);
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('expired');
      expect(window?.endReason).toBe('the window passed before it could start');
      expect(w.levelCalls).toEqual([]);
    });

    it('retries steady every minute while the cluster does not answer at the end, then finishes', async () => {
      const w = await world();
      const id = await approvedWindow(w, 'rebalance request now 30m');
      await w.bot.scheduler.tick();
      for (let i = 0; i < w.sim.metaServers.length; i++) await w.sim.faults.stopMeta(i);
      w.advance(31 * minute);
      await w.bot.scheduler.tick();
      w.advance(minute);
      await w.bot.scheduler.tick();
      expect((await w.store.getWindow(id))?.status).toBe('running');
      const notes = threadOf(w, id).filter((r) => r.title.includes('could not set the meta level back to steady'));
      expect(notes).toHaveLength(1);
      for (let i = 0; i < w.sim.metaServers.length; i++) await w.sim.faults.startMeta(i);
      w.advance(minute);
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('done');
      expect(window?.endReason).toMatch(/^end time reached/);
      expect(w.levelCalls.at(-1)).toBe('steady');
    });

    it('fails an interrupted start without touching the level when lively was not set yet', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      // Another instance recorded the start and stopped before anything else.
      await w.store.recordWindowStep({ windowId: id, key: 'start', at: w.clock.now(), detail: null });
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('failed');
      expect(window?.endReason).toBe(
        'the start was interrupted (the bot stopped while starting) before lively was set',
      );
      expect(w.levelCalls).toEqual([]);
    });

    it('sets steady again after an interrupted start that had set lively', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      await w.store.recordWindowStep({ windowId: id, key: 'start', at: w.clock.now(), detail: null });
      expect((await w.bot.api.setMetaLevel('lively')).ok).toBe(true);
      await w.store.recordWindowStep({ windowId: id, key: 'lively', at: w.clock.now(), detail: null });
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('failed');
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      expect(w.sim.model.leader()?.storedLevel).toBe('steady');
    });

    it('refuses an overlapping window and creates nothing', async () => {
      const w = await world();
      const first = await requestWindow(w, 'rebalance request 03:00 2h');
      const prompt = await w.run(people.carol, 'rebalance request 04:00 1h');
      expect(prompt.findings.some((f) => f.severity === 'crit' && f.summary.includes(`overlaps window ${first}`))).toBe(
        true,
      );
      const refused = await w.click(people.carol, 'confirm', pendingId(prompt));
      expect(refused.title).toBe('Overlapping window');
      expect(refused.text).toContain(
        `The window 2026-01-05 04:00–05:00 UTC (1h) overlaps ${first} (pending, 2026-01-05 03:00–05:00 UTC (2h)), so nothing was created.`,
      );
      expect(await w.store.listWindows({ cluster: 'prod' })).toHaveLength(1);
      const next = await requestWindow(w, 'rebalance request 05:00 1h', people.carol);
      expect((await w.store.getWindow(next))?.status).toBe('pending');
    });

    it('starts and finishes every step once with two scheduler instances ticking together', async () => {
      const w = await world();
      const id = await approvedWindow(w);
      const other = w.instance(await w.reopenStore());
      for (let i = 0; i < 5; i++) {
        await Promise.all([w.bot.scheduler.tick(), other.scheduler.tick()]);
        w.advance(minute);
      }
      expect((await w.store.getWindow(id))?.status).toBe('done');
      expect(w.levelCalls).toEqual(['lively', 'steady']);
      const keys = await stepKeys(w, id);
      expect(new Set(keys).size).toBe(keys.length);
      const starts = w.sink.posts.filter((p) => p.reply.title.startsWith(`Rebalance window ${id} started`));
      const summaries = w.sink.posts.filter((p) => p.reply.title.startsWith(`Rebalance window ${id} finished`));
      expect([starts.length, summaries.length]).toEqual([1, 1]);
    });
  });
}
