import { describe, expect, it } from 'vitest';
import { alignColumns, renderText, shouldUseColor } from '../../src/replies/render-text.js';
import type { Reply } from '../../src/replies/reply.js';

const reply: Reply = {
  command: 'health',
  status: 'crit',
  title: 'Cluster onebox: 1 critical, 1 warning',
  findings: [
    { check: 'skew', severity: 'warn', subject: 'cluster', summary: 'replicas uneven', evidence: { stddev: 2.5 } },
    { check: 'ok_check', severity: 'ok', subject: 'cluster', summary: 'meta level steady' },
    {
      check: 'nodes_alive',
      severity: 'crit',
      subject: '127.0.0.1:34803',
      summary: 'replica server is UNALIVE',
      evidence: { status: 'UNALIVE', replicas: 12 },
      advice: 'Check the process and its log.',
      action: { kind: 'run', ref: 'nodes -d', label: 'Show nodes' },
    },
  ],
  fields: [
    { label: 'meta_servers', value: '127.0.0.1:34601' },
    { label: 'zookeeper_root', value: '/pegasus/onebox' },
  ],
  tables: [
    {
      title: 'general_info',
      columns: ['app_id', 'status', 'app_name'],
      rows: [
        ['1', 'AVAILABLE', 'temp'],
        ['12', 'AVAILABLE', 'stat'],
      ],
    },
  ],
  text: ['A paragraph.'],
  actions: [
    { kind: 'confirm', ref: 'ab12', label: 'Confirm' },
    { kind: 'cancel', ref: 'ab12', label: 'Cancel' },
    { kind: 'ack', ref: 'fp9', label: 'Acknowledge' },
  ],
  context: { cluster: 'onebox', at: '2026-03-01T10:00:00.000Z', durationMs: 1234 },
};

describe('renderText', () => {
  it('renders every part in order, findings worst first, tables as the shell prints them', () => {
    expect(renderText(reply)).toBe(
      [
        '[CRIT] Cluster onebox: 1 critical, 1 warning',
        '',
        '  CRIT  127.0.0.1:34803: replica server is UNALIVE  (nodes_alive)',
        '        status=UNALIVE, replicas=12',
        '        → Check the process and its log.',
        '        → Show nodes: nodes -d',
        '  WARN  cluster: replicas uneven  (skew)',
        '        stddev=2.5',
        '  OK    cluster: meta level steady  (ok_check)',
        '',
        'meta_servers   : 127.0.0.1:34601',
        'zookeeper_root : /pegasus/onebox',
        '',
        '[general_info]',
        'app_id  status     app_name',
        '1       AVAILABLE  temp',
        '12      AVAILABLE  stat',
        '',
        'A paragraph.',
        '',
        '→ confirm with: confirm ab12',
        '→ cancel with: cancel ab12',
        '→ Acknowledge: ack fp9',
        '',
        'cluster onebox · 2026-03-01 10:00:00 UTC · 1.2 s',
      ].join('\n'),
    );
  });

  it('shows the context time in the configured zone', () => {
    expect(renderText(reply, { timezone: 'Asia/Shanghai' })).toContain('2026-03-01 18:00:00 Asia/Shanghai');
  });

  it('colours only when asked, and the plain text stays the same underneath', () => {
    const coloured = renderText(reply, { color: true });
    expect(coloured).toContain('\u001b[31m[CRIT]\u001b[0m');
    expect(renderText(reply)).not.toContain('\u001b[');
    // eslint-disable-next-line no-control-regex -- stripping the ANSI codes this renderer adds
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(renderText(reply));
  });

  it('decides colour from the stream and NO_COLOR', () => {
    expect(shouldUseColor({ isTTY: true }, {})).toBe(true);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor({ isTTY: false }, {})).toBe(false);
    expect(shouldUseColor({}, {})).toBe(false);
  });

  it('renders a minimal reply, a form and its errors', () => {
    const text = renderText({
      command: 'apply_table',
      status: 'unknown',
      title: 'Table application',
      findings: [],
      form: {
        id: 'apply_table',
        title: 'Apply for a table',
        submitLabel: 'Submit',
        fields: [{ name: 'name', label: 'Table name', kind: 'text', required: true, hint: 'letters and _' }],
      },
      formErrors: { name: 'already exists' },
      context: { at: '2026-03-01T10:00:00.000Z' },
    });
    expect(text).toBe(
      [
        '[UNKNOWN] Table application',
        '',
        'Apply for a table (form apply_table)',
        '  Table name * — letters and _',
        '',
        '  name: already exists',
        '',
        '2026-03-01 10:00:00 UTC',
      ].join('\n'),
    );
  });

  it('aligns columns without trailing blanks', () => {
    expect(
      alignColumns([
        ['a', 'bb', ''],
        ['ccc', 'd', 'e'],
      ]),
    ).toEqual(['a    bb', 'ccc  d   e']);
  });
});
