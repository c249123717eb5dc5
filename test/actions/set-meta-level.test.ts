/**
 * `set_meta_level` against the simulated cluster: the gate per level (steady confirmed, the others approved,
 * `config.risks` overriding), the warnings before the decision, the reply (old → new, verified, effective versus
 * stored), failures, the freeze recommendation of `health` taken through its action, and a leader fail-over
 * that changes the level reported on the cluster's channel.
 */
import { describe, expect, it } from 'vitest';
import { checkNodesAlive } from '../../src/diagnostics/check-nodes.js';
import { leaderStateKey, noticeLeaderChange, readLeaderMemory } from '../../src/actions/leader-watch.js';
import { levelConsequences, parseMetaLevel } from '../../src/actions/set-meta-level-command.js';
import type { Reply } from '../../src/replies/reply.js';
import { MemoryStore } from '../support/memory-store.js';
import { approvedWindow, errorCode, people, pendingId, sqliteKind, useWorlds } from './action-fixtures.js';

const world = useWorlds({ store: sqliteKind, sim: { scenario: 'healthy' } });

function field(reply: Reply, label: string): string | undefined {
  return reply.fields?.find((f) => f.label === label)?.value;
}

describe('set_meta_level', () => {
  it('asks the caller to confirm steady, then sets it and verifies it', async () => {
    const w = await world();
    const prompt = await w.run(people.alice, 'set_meta_level steady');
    expect(prompt.title).toBe('Confirm: set the meta level of prod to steady?');
    expect(prompt.findings.map((f) => f.summary)).toContain(
      'the stored meta level is already fl_steady; setting it again changes nothing',
    );
    const done = await w.click(people.alice, 'confirm', pendingId(prompt));
    expect(done.title).toBe('prod: meta level fl_steady → fl_steady');
    expect(done.text).toContain('control meta level ok, the old level is fl_steady');
    expect(w.levelCalls).toEqual(['steady']);
  });

  it('needs a second admin for lively, warns about latency-sensitive tables, and reports old → new', async () => {
    const w = await world({ cluster: { latencySensitiveTables: [{ name: 'user_profile' }] } });
    const waiting = await w.run(people.alice, 'set_meta_level lively');
    expect(waiting.title).toBe('Waiting for approval: set the meta level of prod to lively');
    const warning = waiting.findings.find((f) => f.check === 'latency_sensitive');
    expect(warning?.summary).toContain('latency-sensitive tables here: user_profile');
    expect(warning?.action?.ref).toBe('rebalance plan');
    const posted = w.sink.posts.find((p) => p.reply.title.startsWith('Approval needed: set the meta level'));
    expect(posted?.reply.findings.some((f) => f.check === 'latency_sensitive')).toBe(true);
    expect(w.levelCalls).toEqual([]);

    const own = await w.click(people.alice, 'approve', pendingId(waiting));
    expect(errorCode(own)).toBe('SELF_APPROVAL');
    const done = await w.click(people.bob, 'approve', pendingId(waiting));
    expect(done.title).toBe('prod: meta level fl_steady → fl_lively');
    expect(field(done, 'old')).toBe('fl_steady');
    expect(field(done, 'stored')).toBe('fl_lively');
    expect(field(done, 'effective')).toBe('fl_lively');
    expect(done.findings.map((f) => f.severity)).toEqual(['info', 'ok']);
    expect(done.findings[1]?.summary).toBe('the leader holds fl_lively (verified with get_meta_level)');
    expect(w.levelCalls).toEqual(['lively']);
    expect(w.sim.model.leader()?.storedLevel).toBe('lively');
    expect((await readLeaderMemory(w.store, 'prod'))?.storedLevel).toBe('lively');
  });

  it('warns that lively will not balance while partitions are unhealthy', async () => {
    const w = await world();
    w.sim.faults.unhealthyPartitions({ table: 'temp', count: 2 });
    const waiting = await w.run(people.alice, 'set_meta_level lively');
    const warning = waiting.findings.find((f) => f.check === 'table_health');
    expect(warning?.summary).toBe(
      '2 partitions are unhealthy (temp: 2): the balancer does not run while any partition is unhealthy, so lively will not balance until they recover',
    );
  });

  it('says what freezed, blind and stopped stop before the decision, and offers steady after', async () => {
    const w = await world();
    for (const level of ['freezed', 'blind', 'stopped'] as const) {
      const waiting = await w.run(people.alice, `set_meta_level ${level}`);
      const warning = waiting.findings.find((f) => f.severity === 'crit');
      expect(warning?.summary).toBe(`fl_${level} stops re-replication: ${levelConsequences[level]}`);
    }
    const waiting = await w.run(people.alice, 'set_meta_level freezed');
    const done = await w.click(people.dan, 'approve', pendingId(waiting));
    expect(done.status).toBe('warn');
    expect(done.findings.find((f) => f.action)?.action?.ref).toBe('set_meta_level steady');
    expect(w.sim.model.leader()?.storedLevel).toBe('freezed');
  });

  it('shows the effective level beside the stored one under freeze protection', async () => {
    const w = await world();
    await w.sim.faults.stopReplica(3);
    await w.sim.faults.stopReplica(4);
    const done = await w.run(people.exec, 'set_meta_level lively', { confirmed: true });
    expect(field(done, 'stored')).toBe('fl_lively');
    expect(field(done, 'effective')).toBe('fl_freezed');
    expect(done.text).toContain('effective meta level is fl_freezed (cluster_info), stored fl_lively');
    expect(done.findings.find((f) => f.severity === 'warn')?.summary).toBe(
      'the effective level is fl_freezed (cluster_info), not the stored fl_lively: freeze protection, too few replica servers are alive',
    );
  });

  it('lets config.risks make lively a change that only needs confirmation', async () => {
    const w = await world({ file: { risks: { set_meta_level: 'change' } } });
    const prompt = await w.run(people.alice, 'set_meta_level lively');
    expect(prompt.title).toBe('Confirm: set the meta level of prod to lively?');
    const done = await w.click(people.alice, 'confirm', pendingId(prompt));
    expect(done.title).toBe('prod: meta level fl_steady → fl_lively');
  });

  it('answers a bad level with the accepted ones and changes nothing', async () => {
    const w = await world();
    for (const line of ['set_meta_level', 'set_meta_level fast', 'set_meta_level steady lively']) {
      const reply = await w.run(people.alice, line);
      expect(errorCode(reply), line).toBe('BAD_INPUT');
      expect(reply.text?.[0], line).toMatch(/steady, lively|exactly one level/);
    }
    expect(parseMetaLevel('FL_Lively')).toEqual({ ok: true, value: 'lively' });
    expect(w.levelCalls).toEqual([]);
  });

  it('reports a failed RPC as not changed, with what to do next', async () => {
    const w = await world();
    for (let i = 0; i < w.sim.metaServers.length; i++) await w.sim.faults.stopMeta(i);
    const reply = await w.run(people.exec, 'set_meta_level steady', { confirmed: true });
    expect(reply.status).toBe('unknown');
    expect(reply.title).toBe('prod: the meta level was not changed');
    expect(reply.text?.[1]).toBe('Nothing changed. Check the leader meta server (`cluster_info`) and try again.');
  });

  it('warns that changing the level ends a running window', async () => {
    const w = await world({ sim: { scenario: 'skewed' } });
    const id = await approvedWindow(w);
    await w.bot.scheduler.tick();
    const prompt = await w.run(people.alice, 'set_meta_level steady');
    const warning = prompt.findings.find((f) => f.check === 'rebalance_window');
    expect(warning?.summary).toBe(`rebalance window ${id} is running: changing the level ends it`);
    expect(warning?.action?.ref).toBe(`rebalance abort ${id}`);
  });

  it('takes health’s freeze recommendation through approval', async () => {
    const w = await world({ sim: { scenario: 'healthy', nodes: 5 } });
    await w.sim.faults.stopReplica(3);
    await w.sim.faults.stopReplica(4);
    const nodes = await w.bot.api.listNodes();
    if (!nodes.ok) throw new Error(nodes.error.message);
    const recommendation = checkNodesAlive(
      nodes.value,
      w.config.clusters[0]?.thresholds ?? ({} as never),
      'steady',
    ).find((f) => f.action);
    expect(recommendation?.action?.ref).toBe('set_meta_level freezed');
    const waiting = await w.bot.dispatcher.act({
      actor: people.alice,
      channelId: 'C1',
      action: { kind: 'run', ref: recommendation?.action?.ref ?? '' },
    });
    expect(waiting.title).toBe('Waiting for approval: set the meta level of prod to freezed');
    await w.click(people.bob, 'approve', pendingId(waiting));
    expect(w.sim.model.leader()?.storedLevel).toBe('freezed');
  });

  it('reports a fail-over that changed the level on the cluster’s channel', async () => {
    const w = await world();
    await w.bot.scheduler.tick();
    const waiting = await w.run(people.alice, 'set_meta_level freezed');
    await w.click(people.bob, 'approve', pendingId(waiting));
    const change = w.sim.faults.failover();
    const [tick] = await w.bot.scheduler.tick();
    expect(tick?.leaderChange).toEqual({
      from: change.from,
      to: change.to,
      levelBefore: 'freezed',
      levelNow: 'steady',
    });
    const post = w.sink.posts.find((p) => p.target.channelId === 'COPS');
    expect(post?.reply.title).toBe(
      `prod: the meta leader changed (${change.from} → ${change.to}) and the meta level is now fl_steady`,
    );
    expect(post?.reply.findings[0]?.action?.ref).toBe('set_meta_level freezed');
    // Seen once: the next tick does not report it again.
    await w.bot.scheduler.tick();
    expect(w.sink.posts.filter((p) => p.target.channelId === 'COPS')).toHaveLength(1);
  });
});

describe('noticeLeaderChange', () => {
  it('reports only a new leader with a different level, and remembers every observation', async () => {
    const store = new MemoryStore();
    const at = new Date('2026-01-01T00:00:00Z');
    expect((await noticeLeaderChange(store, 'c', { leader: 'a:1', storedLevel: 'lively' }, at)).change).toBeUndefined();
    expect((await noticeLeaderChange(store, 'c', { leader: 'a:1', storedLevel: 'steady' }, at)).change).toBeUndefined();
    expect((await noticeLeaderChange(store, 'c', { leader: 'b:1', storedLevel: 'steady' }, at)).change).toBeUndefined();
    expect((await noticeLeaderChange(store, 'c', { storedLevel: 'lively' }, at)).findings).toEqual([]);
    const seen = await noticeLeaderChange(store, 'c', { leader: 'c:1', storedLevel: 'lively' }, at);
    expect(seen.change).toEqual({ from: 'b:1', to: 'c:1', levelBefore: 'steady', levelNow: 'lively' });
    expect(seen.findings[0]?.severity).toBe('warn');
    expect(await store.getState(leaderStateKey('c'))).toEqual({
      leader: 'c:1',
      storedLevel: 'lively',
      at: at.toISOString(),
    });
  });
});
