import { describe, expect, it } from 'vitest';
import { decodeAction } from '../../src/commands/command.js';
import type { Reply } from '../../src/replies/reply.js';
import { DiscordLimits, EPHEMERAL, type Embed } from '../../adapters/discord/discord-wire.js';
import {
  embedLength,
  renderEmbeds,
  toMessageBody,
  type RenderedMessage,
} from '../../adapters/discord/render-embeds.js';
import { healthReply, longReply } from './fake-dispatcher.js';

function checkLimits(message: RenderedMessage): void {
  expect(message.embeds.length).toBeLessThanOrEqual(DiscordLimits.embedsPerMessage);
  expect(message.embeds.reduce((n, e) => n + embedLength(e), 0)).toBeLessThanOrEqual(DiscordLimits.charsPerMessage);
  for (const e of message.embeds) {
    expect((e.title ?? '').length).toBeLessThanOrEqual(DiscordLimits.title);
    expect((e.description ?? '').length).toBeLessThanOrEqual(DiscordLimits.description);
    expect((e.fields ?? []).length).toBeLessThanOrEqual(DiscordLimits.fieldsPerEmbed);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeLessThanOrEqual(DiscordLimits.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(DiscordLimits.fieldValue);
      expect(f.value.length).toBeGreaterThan(0);
    }
  }
  expect(message.components.length).toBeLessThanOrEqual(DiscordLimits.rowsPerMessage);
  for (const row of message.components) {
    expect(row.components.length).toBeLessThanOrEqual(DiscordLimits.buttonsPerRow);
    for (const b of row.components) expect(b.custom_id.length).toBeLessThanOrEqual(DiscordLimits.customId);
  }
}

const titles = (embeds: Embed[]) => embeds.map((e) => e.title ?? '');

describe('renderEmbeds', () => {
  it('renders health: status colour, findings grouped worst first, fields, table, footer, time', () => {
    const rendered = renderEmbeds(healthReply());
    checkLimits(rendered);
    expect(rendered.more).toEqual([]);
    const [main, ...rest] = rendered.embeds;
    expect(main?.title).toBe('🔴 Cluster onebox: 1 critical, 1 warning');
    expect(main?.color).toBe(0xe74c3c);
    expect(main?.fields).toEqual([
      { name: 'meta level', value: 'steady', inline: true },
      { name: 'tables', value: '4', inline: true },
    ]);
    expect(main?.footer?.text).toBe('onebox · health · 0.8 s');
    expect(main?.timestamp).toBe('2026-03-02T09:30:00.000Z');
    expect(titles(rest)).toEqual(['🔴 Critical (1)', '🟠 Warning (1)', '🔵 Info (1)', '🟢 OK (1)', 'nodes (3 rows)']);
    const crit = rest[0]?.fields?.[0];
    expect(crit?.name).toBe('127.0.0.1:34803 · nodes_alive');
    expect(crit?.value).toContain('Replica server UNALIVE');
    expect(crit?.value).toContain('alive: 4 · total: 5');
    expect(crit?.value).toContain('→ Check the process');
    const table = rest[4]?.description ?? '';
    expect(table.startsWith('```\naddress')).toBe(true);
    expect(table).toContain('127.0.0.1:34803  UNALIVE  0              0');
  });

  it('turns actions into buttons whose ids decode back, with a dialog for confirmed ones', () => {
    const rendered = renderEmbeds(healthReply());
    const buttons = rendered.components.flatMap((r) => r.components);
    expect(buttons.map((b) => b.label)).toEqual(['nodes -d', 'Freeze the cluster', 'Plan a rebalance']);
    expect(decodeAction(buttons[0]?.custom_id ?? '')).toEqual({ kind: 'run', ref: 'nodes -d' });
    const freeze = buttons[1];
    expect(freeze?.style).toBe(4);
    expect(freeze?.custom_id).toBe('pga:pg:run:set_meta_level freezed');
    expect(rendered.dialogs[freeze?.custom_id ?? '']?.title).toBe('Freeze onebox?');
  });

  it('puts at most 5 buttons in a row and 5 rows, and drops ids longer than 100 characters', () => {
    const reply: Reply = {
      ...healthReply(),
      findings: [],
      actions: [
        ...Array.from({ length: 30 }, (_, i) => ({
          kind: 'run' as const,
          ref: `nodes -d --cluster c${i}`,
          label: `c${i}`,
        })),
        { kind: 'run', ref: `app_stat -a ${'t'.repeat(120)}`, label: 'too long' },
      ],
    };
    const rendered = renderEmbeds(reply);
    checkLimits(rendered);
    expect(rendered.components.flatMap((r) => r.components)).toHaveLength(25);
    expect(rendered.embeds[0]?.description).toContain('Next: `/pegasus nodes -d --cluster c25`');
  });

  it('splits a long report into several messages within every limit', () => {
    const rendered = renderEmbeds(longReply(120));
    const messages = [rendered, ...rendered.more];
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.length).toBeLessThanOrEqual(3);
    messages.forEach(checkLimits);
    const all = messages.flatMap((m) => m.embeds);
    // 30 warnings: 25 fields in the first embed, 5 in the second.
    expect(titles(all).filter((t) => t.startsWith('🟠 Warning'))).toEqual([
      '🟠 Warning (30) (1/2)',
      '🟠 Warning (30) (2/2)',
    ]);
    const tableText = all.map((e) => e.description ?? '').join('\n');
    for (const name of ['table_0 ', 'table_60 ', 'table_119 ']) expect(tableText).toContain(name);
    expect(rendered.files).toEqual([]);
  });

  it('attaches the full report as a file when it would need too many messages', () => {
    const reply = longReply(2000);
    const rendered = renderEmbeds(reply);
    checkLimits(rendered);
    expect(rendered.more).toEqual([]);
    expect(rendered.files.map((f) => f.name)).toEqual(['app_stat.txt']);
    const text = new TextDecoder().decode(rendered.files[0]?.data);
    expect(text).toContain('table_1999');
    expect(text).toContain('WARN table_29 [table_p99]: read P99 149 ms over the 100 ms limit');
    expect(rendered.embeds[0]?.description).toContain('Full report attached as app_stat.txt');
  });

  it('shows a table too wide for a code block as one field per row', () => {
    const reply: Reply = {
      ...healthReply(),
      findings: [],
      tables: [
        {
          title: 'commands',
          columns: ['command', 'risk', 'summary'],
          rows: [
            [
              'health',
              'read',
              'Every daily check at once: meta servers, meta level, tables, nodes, versions, restarts',
            ],
            ['set_meta_level <level>', 'change or dangerous', ''],
          ],
        },
      ],
    };
    const rendered = renderEmbeds(reply);
    checkLimits(rendered);
    expect(rendered.files).toEqual([]);
    const cards = rendered.embeds.find((e) => e.title === 'commands (2 rows)');
    expect(cards?.fields).toEqual([
      {
        name: 'health',
        value:
          'risk: read\nsummary: Every daily check at once: meta servers, meta level, tables, nodes, versions, restarts',
      },
      { name: 'set_meta_level <level>', value: 'risk: change or dangerous' },
    ]);
  });

  it('attaches wide tables with many rows as a file and says so', () => {
    const columns = Array.from({ length: 30 }, (_, i) => `column_${i}`);
    const reply: Reply = {
      ...healthReply(),
      findings: [],
      tables: [
        { title: 'app_stat', columns, rows: Array.from({ length: 60 }, () => columns.map((_, i) => String(i))) },
      ],
    };
    const rendered = renderEmbeds(reply);
    expect(rendered.files.map((f) => f.name)).toEqual(['health-tables.txt']);
    expect(new TextDecoder().decode(rendered.files[0]?.data)).toContain('[app_stat]\ncolumn_0');
    expect(rendered.embeds[0]?.description).toContain('app_stat (60 rows × 30 columns)');
    expect(rendered.embeds.some((e) => e.description?.includes('```'))).toBe(false);
  });

  it('keeps long text and many fields within limits', () => {
    const reply: Reply = {
      ...healthReply(),
      findings: [],
      tables: [],
      text: Array.from({ length: 20 }, (_, i) => `Paragraph ${i}: ${'x'.repeat(300)}`),
      fields: Array.from({ length: 60 }, (_, i) => ({ label: `key ${i}`, value: 'v'.repeat(90) })),
    };
    const rendered = renderEmbeds(reply);
    [rendered, ...rendered.more].forEach(checkLimits);
    const all = [rendered, ...rendered.more].flatMap((m) => m.embeds);
    expect(all.flatMap((e) => e.fields ?? [])).toHaveLength(60);
    expect(all.map((e) => e.description ?? '').join('')).toContain('Paragraph 19');
    expect(rendered.files).toEqual([]);
  });

  it('renders form errors and marks ephemeral bodies, never pinging anyone', () => {
    const reply: Reply = { ...healthReply(), findings: [], tables: [], formErrors: { table_name: 'Use letters.' } };
    const rendered = renderEmbeds(reply);
    expect(rendered.embeds[1]?.fields).toEqual([{ name: 'table_name', value: 'Use letters.' }]);
    const body = toMessageBody(rendered, { ephemeral: true });
    expect(body.flags).toBe(EPHEMERAL);
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(toMessageBody(rendered, { replace: true }).attachments).toEqual([]);
  });
});
