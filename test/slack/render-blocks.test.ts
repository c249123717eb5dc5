import { describe, expect, it } from 'vitest';
import type { ButtonElement, MessageBlock } from '../../adapters/slack/block-kit.js';
import { isReadOnlyCommandLine, renderBlocks, splitByLines } from '../../adapters/slack/render-blocks.js';
import { errorsForBlocks, parseFormMetadata, readFormValues, renderModal } from '../../adapters/slack/render-modal.js';
import { decodeAction } from '../../src/commands/command.js';
import { messageReply, type Reply } from '../../src/replies/reply.js';
import { applyTableForm, approvalRequest, bigTableReply, healthReply } from './fake-dispatcher.js';
import { blockProblems } from './fake-slack-api.js';

function texts(blocks: MessageBlock[]): string[] {
  return blocks.flatMap((b) => {
    if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)];
    if (b.type === 'context') return b.elements.map((e) => e.text);
    if (b.type === 'header') return [b.text.text];
    return [];
  });
}

function buttons(blocks: MessageBlock[]): ButtonElement[] {
  return blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
}

describe('renderBlocks', () => {
  it('lays out a health report: header, findings worst first, ok collapsed, fields, buttons, context', () => {
    const r = renderBlocks(healthReply());
    expect(r.more).toEqual([]);
    expect(r.files).toEqual([]);
    expect(blockProblems(r.blocks)).toEqual([]);
    const [header] = r.blocks;
    expect(header).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: ':red_circle: Cluster onebox: 1 critical, 1 warning', emoji: true },
    });
    expect(r.text).toContain('Cluster onebox: 1 critical, 1 warning');

    const all = texts(r.blocks);
    const crit = all.findIndex((t) => t.includes('Critical (1)'));
    const warn = all.findIndex((t) => t.includes('Warning (1)'));
    const info = all.findIndex((t) => t.includes('Info (1)'));
    expect(crit).toBeGreaterThan(0);
    expect(warn).toBeGreaterThan(crit);
    expect(info).toBeGreaterThan(warn);
    expect(all[crit]).toContain('*10.0.0.3:34801*: replica server is UNALIVE');
    expect(all[crit]).toContain('alive `2`');
    expect(all[crit]).toContain(':bulb: _Check the process');
    // mrkdwn control characters from data are escaped
    expect(all[warn]).toContain('&lt;rebalance&gt;');
    // ok findings: one line, not one block each
    const ok = all.filter((t) => t.includes('checks ok'));
    expect(ok).toEqual([':white_check_mark: 2 checks ok: table_health, disk_free']);
    expect(all.some((t) => t === '*Meta servers*\n10.0.0.1:34601, 10.0.0.2:34601')).toBe(true);

    const context = r.blocks[r.blocks.length - 1];
    expect(context?.type).toBe('context');
    const line = context?.type === 'context' ? (context.elements[0]?.text ?? '') : '';
    expect(line).toContain('cluster *onebox*');
    expect(line).toMatch(/<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|2026-03-02 09:30:00 UTC>/);
    expect(line).toContain('1.2 s');
    expect(line).toContain('`health`');
  });

  it('renders next-step buttons with decodable values, unique ids and confirm dialogs on changes only', () => {
    const r = renderBlocks(healthReply());
    const bs = buttons(r.blocks);
    expect(bs.map((b) => b.text.text)).toEqual(['Freeze', 'Plan a rebalance window', 'Run again']);
    expect(bs.map((b) => decodeAction(b.value))).toEqual([
      { kind: 'run', ref: 'set_meta_level freeze' },
      { kind: 'run', ref: 'rebalance plan' },
      { kind: 'run', ref: 'health' },
    ]);
    expect(new Set(bs.map((b) => b.action_id)).size).toBe(3);
    const [freeze, plan, again] = bs;
    expect(freeze?.style).toBe('danger');
    expect(freeze?.confirm?.title.text).toBe('Freeze?');
    expect(freeze?.confirm?.text.text).toContain('set_meta_level freeze');
    expect(freeze?.confirm?.style).toBe('danger');
    expect(plan?.confirm).toBeUndefined();
    expect(again?.confirm).toBeUndefined();
  });

  it('puts Approve/Reject behind confirmation dialogs with Slack composition fields', () => {
    const r = renderBlocks(approvalRequest('apr-1', 'UOPERATOR', 'set_meta_level lively'));
    const [approve, reject] = buttons(r.blocks);
    expect(approve?.style).toBe('primary');
    expect(reject?.style).toBe('danger');
    for (const b of [approve, reject]) {
      expect(Object.keys(b?.confirm ?? {}).sort()).toEqual(['confirm', 'deny', 'style', 'text', 'title']);
      expect(b?.confirm?.deny.text).toBe('Cancel');
    }
    expect(decodeAction(reject?.value ?? '')).toEqual({ kind: 'reject', ref: 'apr-1' });
  });

  it('gives an alert root Ack without a dialog and Silence with one', () => {
    const root = messageReply('alerts', 'crit', 'Alert group: disk full (2 firing)', [], new Date(), {
      actions: [
        { kind: 'ack', ref: 'grp-disk', label: 'Ack' },
        { kind: 'silence', ref: 'grp-disk', label: 'Silence 2h' },
      ],
    });
    const [ack, silence] = buttons(renderBlocks(root).blocks);
    expect(ack?.confirm).toBeUndefined();
    expect(silence?.confirm?.title.text).toBe('Silence 2h?');
    expect(decodeAction(silence?.value ?? '')).toEqual({ kind: 'silence', ref: 'grp-disk' });
  });

  it('uses the confirm text the core gives', () => {
    const reply = messageReply('x', 'ok', 'x', [], new Date(), {
      actions: [
        {
          kind: 'ack',
          ref: 'g1',
          label: 'Ack',
          confirm: { title: 'Sure?', text: 'Really.', confirmLabel: 'Yes', denyLabel: 'No' },
        },
      ],
    });
    const [ack] = buttons(renderBlocks(reply).blocks);
    expect(ack?.confirm).toEqual({
      title: { type: 'plain_text', text: 'Sure?', emoji: true },
      text: { type: 'plain_text', text: 'Really.', emoji: true },
      confirm: { type: 'plain_text', text: 'Yes', emoji: true },
      deny: { type: 'plain_text', text: 'No', emoji: true },
    });
  });

  it('splits a long table over messages between rows, repeats the header and attaches the full table', () => {
    const reply = bigTableReply(400);
    const r = renderBlocks(reply);
    const messages = [r, ...r.more];
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.length).toBeLessThanOrEqual(4);
    const rowsSeen: string[] = [];
    for (const m of messages) {
      expect(blockProblems(m.blocks)).toEqual([]);
      for (const t of texts(m.blocks).filter((x) => x.includes('```'))) {
        const lines = t.slice(t.indexOf('```') + 4, t.lastIndexOf('\n```')).split('\n');
        expect(lines[0]).toMatch(/^address\s+status\s+replica_count/);
        for (const line of lines.slice(1)) {
          expect(line).toMatch(/^10\.0\.\d+\.\d+:34801\s+ALIVE\s+24\s+8\s+16$/);
          rowsSeen.push(line.split(/\s+/)[0] ?? '');
        }
      }
    }
    expect(r.more.every((m) => m.text.endsWith('(continued)'))).toBe(true);
    const file = r.files.find((f) => f.filename === 'nodes-d-tables.txt');
    expect(file).toBeDefined();
    const content = new TextDecoder().decode(file?.data);
    expect(content.split('\n').filter((l) => l.includes(':34801'))).toHaveLength(400);
    // every row shown is shown once and in order; any rest is announced as being in the file
    expect(new Set(rowsSeen).size).toBe(rowsSeen.length);
    expect(rowsSeen).toEqual(reply.tables?.[0]?.rows.slice(0, rowsSeen.length).map((row) => row[0]));
    if (rowsSeen.length < 400) {
      const all = messages.flatMap((m) => texts(m.blocks));
      expect(all.some((t) => t.includes(`${400 - rowsSeen.length} more rows in the attached file`))).toBe(true);
    }
    // the buttons and context close the last message
    const last = messages[messages.length - 1];
    expect(last?.blocks[last.blocks.length - 1]?.type).toBe('context');
  });

  it('cuts a huge table to its first rows when it would need too many messages', () => {
    const r = renderBlocks(bigTableReply(3000));
    expect(r.more.length).toBeLessThanOrEqual(3);
    const all = [r, ...r.more].flatMap((m) => texts(m.blocks));
    expect(all.some((t) => /_… \d+ more rows in the attached file `nodes-d-tables.txt`_/.test(t))).toBe(true);
    expect(
      new TextDecoder()
        .decode(r.files[0]?.data)
        .split('\n')
        .filter((l) => l.includes(':34801')),
    ).toHaveLength(3000);
  });

  it('fits into one message without files for chat.update, saying what is not shown', () => {
    const r = renderBlocks(bigTableReply(400), { maxMessages: 1, attachFiles: false });
    expect(r.more).toEqual([]);
    expect(r.files).toEqual([]);
    expect(blockProblems(r.blocks)).toEqual([]);
    expect(texts(r.blocks).some((t) => t.includes('more rows not shown here'))).toBe(true);
  });

  it('keeps every block within limits for many findings, fields and buttons', () => {
    const reply: Reply = {
      command: 'health',
      status: 'warn',
      title: 'x'.repeat(400),
      findings: Array.from({ length: 300 }, (_, i) => ({
        check: 'table_health',
        severity: i % 2 === 0 ? ('warn' as const) : ('info' as const),
        subject: `table_${i}`,
        summary: `partition ${i} has an unhealthy replica `.repeat(3),
        action: { kind: 'run' as const, ref: `app_stat -a table_${i}`, label: `Stats of table_${i} `.repeat(6) },
      })),
      fields: Array.from({ length: 23 }, (_, i) => ({ label: `k${i}`, value: 'v'.repeat(2500) })),
      context: { at: new Date().toISOString() },
    };
    const r = renderBlocks(reply);
    for (const m of [r, ...r.more]) expect(blockProblems(m.blocks)).toEqual([]);
    const header = r.blocks[0];
    expect(header?.type === 'header' && header.text.text.length).toBe(150);
    const bs = [r, ...r.more].flatMap((m) => buttons(m.blocks));
    expect(bs.length).toBe(300);
    expect(bs.every((b) => b.text.text.length <= 75)).toBe(true);
  });

  it('turns attachments into files and keeps ephemeral replies renderable', () => {
    const reply = messageReply('audit', 'ok', 'Audit', ['see file'], new Date(), {
      attachments: [{ filename: 'audit.csv', contentType: 'text/csv', data: new TextEncoder().encode('a,b\n') }],
    });
    expect(renderBlocks(reply).files.map((f) => f.filename)).toEqual(['audit.csv']);
    expect(renderBlocks(reply, { attachFiles: false }).files).toEqual([]);
  });

  it('knows which run buttons only read', () => {
    expect(isReadOnlyCommandLine('health')).toBe(true);
    expect(isReadOnlyCommandLine('nodes -d')).toBe(true);
    expect(isReadOnlyCommandLine('rebalance plan')).toBe(true);
    expect(isReadOnlyCommandLine('rebalance start')).toBe(false);
    expect(isReadOnlyCommandLine('set_meta_level lively')).toBe(false);
    expect(isReadOnlyCommandLine('something_new')).toBe(false);
  });

  it('splits text at line ends and hard-splits only over-long lines', () => {
    expect(splitByLines('aaa\nbbb\nccc', 7)).toEqual(['aaa\nbbb', 'ccc']);
    expect(splitByLines('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});

describe('renderModal', () => {
  it('renders one input per field with the field name as block id, within modal limits', () => {
    const view = renderModal(applyTableForm, { formId: 'apply_table', channelId: 'COPS', responseUrl: 'http://x/r/1' });
    expect(view.type).toBe('modal');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.blocks.map((b) => (b.type === 'input' ? b.block_id : b.type))).toEqual([
      'table',
      'partitions',
      'replicas',
      'reason',
    ]);
    const [table, partitions, replicas, reason] = view.blocks;
    expect(table?.type === 'input' && table.element.type).toBe('plain_text_input');
    expect(partitions?.type === 'input' && partitions.element.type).toBe('number_input');
    expect(
      replicas?.type === 'input' && replicas.element.type === 'static_select' && replicas.element.options.length,
    ).toBe(2);
    expect(reason?.type === 'input' && reason.optional).toBe(true);
    expect(parseFormMetadata(view.private_metadata)).toEqual({
      formId: 'apply_table',
      channelId: 'COPS',
      responseUrl: 'http://x/r/1',
    });
    expect(parseFormMetadata('not json')).toBeUndefined();
  });

  it('reads values back and maps errors onto blocks, unknown names onto the first field', () => {
    const values = readFormValues(applyTableForm, {
      table: { value: { type: 'plain_text_input', value: 'user_profile' } },
      partitions: { value: { type: 'number_input', value: '16' } },
      replicas: { value: { type: 'static_select', selected_option: { value: '3' } } },
      reason: { value: { type: 'plain_text_input', value: null } },
    });
    expect(values).toEqual({ table: 'user_profile', partitions: '16', replicas: '3', reason: '' });
    expect(
      errorsForBlocks({ partitions: 'power of two', cluster: 'unknown cluster' }, ['table', 'partitions']),
    ).toEqual({
      partitions: 'power of two',
      table: 'cluster: unknown cluster',
    });
  });
});
