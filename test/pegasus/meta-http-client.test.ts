import { afterEach, describe, expect, it } from 'vitest';
import { MetaHttpClient } from '../../src/pegasus/meta-http-client.js';
import { refusedAddress, startHttp, type HttpFixture } from './support/http-fixture.js';

const fixtures: HttpFixture[] = [];
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((f) => f.close()));
});

async function fixture(...args: Parameters<typeof startHttp>): Promise<HttpFixture> {
  const f = await startHttp(...args);
  fixtures.push(f);
  return f;
}

const clusterBody = '{"meta_function_level":"steady"}\n';

describe('MetaHttpClient', () => {
  it('follows a backup’s 307 to the leader, records it, and asks the leader directly next time', async () => {
    const leader = await fixture(() => ({ body: clusterBody }));
    const backup = await fixture((path, query) => ({
      status: 307,
      location: `http://${leader.address}${path}?${query.toString()}`,
    }));
    const client = new MetaHttpClient({ metaServers: [backup.address, leader.address], timeoutMs: 2000, fetch });

    const first = await client.get('/meta/app?name=temp&detail');
    expect(first.ok && first.value.server).toBe(leader.address);
    expect(first.ok && first.value.body).toBe(clusterBody);
    expect(client.leader).toBe(leader.address);
    // The leader is asked the original path (Pegasus's Location carries the same path and arguments).
    expect(leader.requests).toEqual(['/meta/app?name=temp&detail']);

    await client.get('/meta/cluster');
    expect(backup.requests).toHaveLength(1);
    expect(leader.requests).toHaveLength(2);
  });

  it('skips a meta that is down and names it when another answers nothing either', async () => {
    const down = await refusedAddress();
    const leader = await fixture(() => ({ body: clusterBody }));
    const client = new MetaHttpClient({ metaServers: [down, leader.address], timeoutMs: 2000, fetch });
    const answer = await client.get('/meta/cluster');
    expect(answer.ok && answer.value.server).toBe(leader.address);
  });

  it('returns CLUSTER_UNREACHABLE naming every server tried and why', async () => {
    const down = await refusedAddress();
    const silent = await fixture(() => ({ hang: true }));
    const client = new MetaHttpClient({ metaServers: [down, silent.address], timeoutMs: 300, fetch });
    const answer = await client.get('/meta/cluster');
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.code).toBe('CLUSTER_UNREACHABLE');
    expect(answer.error.message).toContain(`${down} connection refused; ${silent.address} timed out after 300ms`);
    expect(answer.error.message).toContain('PEGASUS_META_SERVERS');
  });

  it('tells when backups point at a leader that is down', async () => {
    const deadLeader = await refusedAddress();
    const backup = await fixture((path) => ({ status: 307, location: `http://${deadLeader}${path}` }));
    const client = new MetaHttpClient({ metaServers: [backup.address], timeoutMs: 1000, fetch });
    const answer = await client.get('/meta/nodes');
    expect(!answer.ok && answer.error.message).toContain(`${deadLeader} connection refused`);
  });

  it('forgets a leader that stopped answering and finds the new one', async () => {
    const a = await fixture(() => ({ body: clusterBody }));
    const b = await fixture((path) => ({ status: 307, location: `http://${a.address}${path}` }));
    const client = new MetaHttpClient({ metaServers: [a.address, b.address], timeoutMs: 1000, fetch });
    await client.get('/meta/cluster');
    expect(client.leader).toBe(a.address);

    // Fail-over: a stops, b becomes the leader.
    await a.close();
    fixtures.splice(fixtures.indexOf(a), 1);
    b.handler = () => ({ body: clusterBody });
    const answer = await client.get('/meta/cluster');
    expect(answer.ok && answer.value.server).toBe(b.address);
    expect(client.leader).toBe(b.address);
  });

  it('returns a 400 as an answer without taking the server for the leader', async () => {
    const backup = await fixture(() => ({ status: 400, body: '' }));
    const client = new MetaHttpClient({ metaServers: [backup.address], timeoutMs: 1000, fetch });
    const answer = await client.get('/meta/apps?bogus=1');
    expect(answer.ok && answer.value.status).toBe(400);
    expect(client.leader).toBeUndefined();
  });
});
