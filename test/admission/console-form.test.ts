/**
 * `apply_table` on the console: the form becomes one prompt per field, a field error is asked again (keeping
 * the other answers), the review is printed, and the local admin approves with a yes/no confirmation.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../../adapters/console/console-adapter.js';
import { applicationFormSpec } from '../../src/admission/application-schema.js';
import { ManualClock } from '../../src/clock.js';
import { FakePegasus } from '../support/fake-pegasus.js';
import { MemoryStore } from '../support/memory-store.js';
import { smallCache } from './applications.js';
import { admissionHarness } from './harness.js';

describe('apply_table on the console', () => {
  it('prompts every field, asks again after an error, reviews, and creates the table once approved', async () => {
    const fake = new FakePegasus();
    const store = new MemoryStore();
    const clock = new ManualClock('2026-03-14T10:00:00Z');
    const h = admissionHarness({
      api: fake,
      store,
      clock,
      deps: {
        newId: () => 'c1',
        readFile: () => '',
        sleep: (ms) => {
          clock.advance(ms);
          return Promise.resolve();
        },
      },
    });
    const answers = applicationFormSpec(['prod']).fields.map((f) =>
      f.name === 'read_peak_qps' ? 'lots' : String(smallCache[f.name] ?? ''),
    );
    // The second round keeps every earlier answer (an empty line) except the corrected one.
    const second = applicationFormSpec(['prod']).fields.map((f) => (f.name === 'read_peak_qps' ? '20000' : ''));
    const lines = ['apply_table', ...answers, ...second, 'applications approve c1', 'y'];

    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const adapter = new ConsoleAdapter({ dispatcher: h.dispatcher, input, output, interactive: true });
    const done = adapter.run();
    input.end(lines.map((l) => `${l}\n`).join(''));
    await done;

    expect(text).toContain('Table name: ');
    expect(text).toContain('IOPS characteristic (even|peaks|batch): ');
    expect(text).toContain('read_peak_qps: Read peak (QPS): "lots" is not a number');
    expect(text).toContain('Read peak (QPS) [lots]: ');
    expect(text).toContain('Table application c1: user_session on prod — approve');
    expect(text).toContain('Submitted as table application c1');
    expect(text).toContain('Application c1: user_session created on prod and healthy');
    expect(fake.table('user_session')).toMatchObject({ partitionCount: 16, replicaCount: 3 });
    expect(await store.getApplication('c1')).toMatchObject({
      status: 'created',
      applicant: { platform: 'console', userId: 'local' },
      decidedBy: { platform: 'console', userId: 'local' },
    });
  });
});
