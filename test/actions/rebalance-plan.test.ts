/**
 * `rebalance plan`, `status` and `list` against the simulated cluster: the skew, the proposed window (from the
 * traffic the scheduler recorded, or the configured default), and the request it offers as a button.
 */
import { describe, expect, it } from 'vitest';
import { recordTraffic, readTrafficProfile } from '../../src/actions/traffic-profile.js';
import { WindowScheduler } from '../../src/actions/window-scheduler.js';
import { silentLogger } from '../../src/logger.js';
import { approvedWindow, people, pendingId, sqliteKind, useWorlds } from './action-fixtures.js';

const world = useWorlds({ store: sqliteKind });

describe('rebalance plan', () => {
  it('shows the skew and proposes the configured default window without traffic history', async () => {
    const w = await world();
    w.sim.tick(); // the steady checker reports its first balance operations
    const plan = await w.run(people.vic, 'rebalance plan');
    expect(plan.status).toBe('warn');
    expect(plan.title).toMatch(/^prod: rebalance proposed — primary stddev \d+\.\d\d, total stddev \d+\.\d\d$/);
    const primary = plan.findings.find((f) => f.check === 'primary_skew');
    expect(primary?.severity).toBe('warn');
    expect(plan.findings.find((f) => f.check === 'balance_pending')?.summary).toMatch(
      /^balance operations pending \(what the balancer would do in lively\): \d+ \(move_pri \d+/,
    );
    expect(plan.fields).toEqual([
      { label: 'proposed window', value: '2026-01-06 02:00–04:00 UTC (2h)' },
      { label: 'source', value: 'configured default' },
    ]);
    expect(plan.text?.[0]).toContain(
      'the configured default window (REBALANCE_DEFAULT_WINDOW), because the bot has not recorded any traffic',
    );
    expect(plan.tables?.[0]?.rows).toHaveLength(5);
    const action = plan.actions?.[0];
    expect(action?.ref).toMatch(
      /^rebalance request '2026-01-06 02:00' 2h --reason 'skew replicas \d+\.\d%, primaries \d+\.\d%'$/,
    );

    // The button is a command line the dispatcher runs as the clicker: a confirmation, then the approval.
    const prompt = await w.bot.dispatcher.act({
      actor: people.alice,
      channelId: 'C1',
      action: { kind: 'run', ref: action?.ref ?? '' },
    });
    expect(prompt.title).toMatch(/^Confirm: open a rebalance window on prod: 2026-01-06 02:00–04:00 UTC \(2h\) \(skew/);
    const waiting = await w.click(people.alice, 'confirm', pendingId(prompt));
    expect(waiting.title).toMatch(/^Waiting for approval: open a rebalance window/);
  });

  it('uses REBALANCE_DEFAULT_WINDOW and --duration', async () => {
    const w = await world({ env: { REBALANCE_DEFAULT_WINDOW: '23:30-01:00' } });
    const plan = await w.run(people.vic, 'rebalance plan');
    expect(plan.fields?.[0]?.value).toBe('2026-01-06 23:30–2026-01-07 01:00 UTC (1h 30m)');
    const shorter = await w.run(people.vic, 'rebalance plan --duration 45m');
    expect(shorter.fields?.[0]?.value).toBe('2026-01-06 23:30–2026-01-07 00:15 UTC (45m)');
  });

  it('proposes the quietest hours from the traffic the scheduler recorded', async () => {
    const w = await world();
    const scheduler = new WindowScheduler({
      store: w.store,
      clusters: [w.bot.handle],
      config: w.config,
      clock: w.clock,
      sinks: [w.sink],
      logger: silentLogger(),
      trafficSampleEveryMs: 15 * 60_000,
    });
    await scheduler.tick();
    const sampled = await readTrafficProfile(w.store, 'prod');
    expect(sampled?.samples[1]).toBe(1);
    await scheduler.tick();
    expect((await readTrafficProfile(w.store, 'prod'))?.samples[1]).toBe(1); // not due again yet
    // A day of history: quiet from 03:00 to 05:00.
    for (let hour = 0; hour < 24; hour++) {
      const qps = hour === 3 || hour === 4 ? 40 : 900;
      await recordTraffic(w.store, 'prod', new Date(Date.UTC(2026, 0, 4, hour, 30)), qps, 'UTC');
    }
    const plan = await w.run(people.vic, 'rebalance plan');
    expect(plan.fields).toEqual([
      { label: 'proposed window', value: '2026-01-06 03:00–05:00 UTC (2h)' },
      { label: 'source', value: 'recorded traffic' },
    ]);
    expect(plan.text?.[0]).toMatch(
      /the lowest-traffic hours of the next day from the QPS the bot recorded: about \d+ QPS then/,
    );
  });

  it('says no window is needed on a balanced cluster and offers no request', async () => {
    const w = await world({ sim: { scenario: 'healthy' } });
    w.sim.tick();
    const plan = await w.run(people.vic, 'rebalance plan');
    expect(plan.title).toMatch(/^prod: balanced/);
    expect(plan.actions).toBeUndefined();
    expect(plan.text?.[0]).toMatch(/^The cluster is balanced/);
  });
});

describe('rebalance status and list', () => {
  it('shows nothing planned, then the running window with its progress, then the list', async () => {
    const w = await world();
    const empty = await w.run(people.vic, 'rebalance status');
    expect(empty.title).toBe('prod: no rebalance window is running or planned');
    const id = await approvedWindow(w, 'rebalance request now 1h --reason "new nodes"');
    const approved = await w.run(people.vic, 'rebalance status');
    expect(approved.title).toBe(`Rebalance window ${id} on prod: approved`);
    await w.bot.scheduler.tick();
    w.advance(10_000);
    w.clock.advance(50_000);
    await w.bot.scheduler.tick();
    const running = await w.run(people.vic, 'rebalance status');
    expect(running.title).toBe(`Rebalance window ${id} on prod: running`);
    expect(running.fields?.find((f) => f.label === 'quiet checks')?.value).toMatch(/^[01] of 2$/);
    expect(running.tables?.[0]?.title).toBe('distribution at the start');
    const list = await w.run(people.vic, 'rebalance list');
    expect(list.tables?.[0]?.rows).toEqual([
      [id, 'running', '2026-01-05 01:00–02:00 UTC (1h)', 'alice (slack:UALICE)', 'new nodes'],
    ]);
    const unknown = await w.run(people.vic, 'rebalance status nope');
    expect(unknown.title).toBe('Unknown window');
  });
});
