import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSimCli } from '../../sim/cli.js';
import { scenarioNames, startSimCluster, type SimCluster } from '../../sim/index.js';
import { get } from './sim-client.js';

describe('simulator control API', () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSimCluster({ autoTick: false, clock: () => Date.UTC(2026, 2, 13) });
  });

  afterAll(async () => {
    await sim.stop();
  });

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const init: RequestInit = { method };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(`${sim.controlUrl}${path}`, init);
    return { status: res.status, json: await res.json() };
  };

  it('lists its routes and describes the cluster', async () => {
    const routes = (await call('GET', '/')).json as { routes: string[] };
    expect(routes.routes).toContain('POST /faults/stop-replica');
    const state = (await call('GET', '/state')).json as { leader: string; replicas: unknown[]; effectiveLevel: string };
    expect(state).toMatchObject({ leader: sim.metaServers[0], effectiveLevel: 'steady' });
    expect(state.replicas).toHaveLength(5);
  });

  it('switches faults through HTTP, and they show on the Pegasus endpoints', async () => {
    const stop = await call('POST', '/faults/stop-replica', { node: 4 });
    expect(stop.status).toBe(200);
    const nodes = JSON.parse((await get(sim.metaServers[0] ?? '', '/meta/nodes')).body) as {
      summary: Record<string, string>;
    };
    expect(nodes.summary['unalive_node_count']).toBe('1');
    await call('POST', '/faults/latency-spike', { table: 'temp', factor: 30 });
    const listed = (await call('GET', '/faults')).json as { kind: string; detail: string }[];
    expect(listed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'stopped' }),
        expect.objectContaining({ kind: 'latency-spike', detail: 'x30' }),
      ]),
    );
    expect((await call('POST', '/tick', { ms: 10_000 })).status).toBe(200);
    expect(
      ((await call('DELETE', '/faults')).json as { faults: { kind: string }[] }).faults.map((f) => f.kind),
    ).toEqual(['stopped']);
    expect((await call('POST', '/faults/start-replica', { node: sim.replicaServers[4] })).status).toBe(200);
    expect(sim.model.node(4).up).toBe(true);
  });

  it('answers bad input with 400 and a reason, unknown routes with 404, and changes nothing', async () => {
    const bad = await call('POST', '/faults/slow', { target: 'replica:0' });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toContain('delayMs');
    const wrongTable = await call('POST', '/faults/latency-spike', { table: 'nope' });
    expect(wrongTable).toMatchObject({ status: 400, json: { ok: false, error: 'no table nope' } });
    const notJson = await fetch(`${sim.controlUrl}/faults/hang`, { method: 'POST', body: '{' });
    expect(notJson.status).toBe(400);
    expect((await call('GET', '/nope')).status).toBe(404);
    expect(sim.model.nodes.every((n) => n.faults.slowMs === 0 && !n.faults.hang)).toBe(true);
  });
});

describe('sim CLI', () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  const capture = (): {
    out: string[];
    err: string[];
    io: { stdout: { write(t: string): boolean }; stderr: { write(t: string): boolean } };
  } => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: { write: (t: string) => out.push(t) > 0 },
        stderr: { write: (t: string) => err.push(t) > 0 },
      },
    };
  };

  it('rejects bad flags with exit code 3 and says what is accepted', async () => {
    for (const argv of [
      ['--nodes', 'many'],
      ['--scenario', 'chaos'],
      ['--pegasus-version', '2.4.0'],
      ['--speed', '0'],
      ['--bogus'],
    ]) {
      const c = capture();
      await runSimCli(argv, c.io);
      expect(process.exitCode).toBe(3);
      expect(c.err.join('')).toMatch(/^pegasus-chatops sim: .+\nRun with --help for the accepted options\.\n$/);
      process.exitCode = undefined;
    }
    const c = capture();
    await runSimCli(['--scenario', 'chaos'], c.io);
    expect(c.err.join('')).toContain(scenarioNames.join(', '));
  });

  it('prints the meta server list and the control URL, runs until told to stop, then stops cleanly', async () => {
    const c = capture();
    let stop: () => void = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const done = runSimCli(['--base-port', '0', '--nodes', '3', '--metas', '2'], { ...c.io, until });
    for (let i = 0; i < 100 && !c.out.join('').includes('Control API'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const text = c.out.join('');
    const metas = /PEGASUS_META_SERVERS=(\S+)/.exec(text)?.[1]?.split(',') ?? [];
    expect(metas).toHaveLength(2);
    expect(metas.every((m) => /^127\.0\.0\.1:\d+$/.test(m))).toBe(true);
    expect((await get(metas[0] ?? '', '/meta/nodes')).status).toBe(200);
    expect(text).toMatch(/Control API: http:\/\/127\.0\.0\.1:\d+/);
    stop();
    await done;
    expect(c.out.join('')).toContain('Simulated cluster stopped.');
    expect(process.exitCode).toBeUndefined();
  });

  it('prints help with every scenario', async () => {
    const c = capture();
    await runSimCli(['--help'], c.io);
    for (const name of scenarioNames) expect(c.out.join('')).toContain(name);
  });
});
