/**
 * Who may request and decide rebalance windows, and when: double clicks run once, expired approvals are
 * refused, the wrong role and the requester approving their own request are refused, rejections and
 * withdrawals close the window, local admins need no second person, and bad times get clear answers. On
 * SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { errorCode, people, pendingId, requestWindow, useWorlds, type StoreKind } from './action-fixtures.js';

/** Registers the suite for one store kind (each kind runs from its own test file, in parallel). */
export function describeWindowApprovals(kind: StoreKind): void {
  describe(`window approvals on ${kind.name}`, () => {
    const world = useWorlds({ store: kind });

    it('approves once however many times and ways it is clicked at once', async () => {
      const w = await world();
      const id = await requestWindow(w, 'rebalance request 03:00 1h');
      const replies = await Promise.all([
        w.click(people.bob, 'approve', id),
        w.click(people.bob, 'approve', id),
        w.click(people.dan, 'approve', id),
        w.run(people.dan, `rebalance approve ${id}`),
        w.run(people.bob, `approve ${id}`),
      ]);
      const winners = replies.filter((r) => r.title.startsWith(`Rebalance window ${id} approved`));
      expect(winners).toHaveLength(1);
      expect(replies.filter((r) => r.title.startsWith('Already decided'))).toHaveLength(4);
      expect((await w.store.getPending(id))?.status).toBe('executed');
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('approved');
      const audit = await w.store.listAudit({ limit: 100, ref: id });
      expect(audit.filter((a) => a.event === 'approved')).toHaveLength(1);
      expect(audit.filter((a) => a.event === 'result')).toHaveLength(1);
    });

    it('refuses an approval clicked after expiry; the scheduler then expires the window', async () => {
      const w = await world();
      const id = await requestWindow(w, 'rebalance request 03:00 1h');
      w.advance(16 * 60_000);
      const late = await w.click(people.bob, 'approve', id);
      expect(errorCode(late)).toBe('EXPIRED');
      expect(late.text?.[0]).toMatch(/expired at 2026-01-05 01:15:00 UTC and was not run/);
      expect((await w.store.getWindow(id))?.status).toBe('pending');
      await w.bot.scheduler.tick();
      const window = await w.store.getWindow(id);
      expect(window?.status).toBe('expired');
      expect(window?.endReason).toBe('nobody approved it in time');
      expect(w.levelCalls).toEqual([]);
    });

    it('refuses `rebalance approve` after expiry and expires the window at once', async () => {
      const w = await world();
      const id = await requestWindow(w, 'rebalance request 03:00 1h');
      w.advance(16 * 60_000);
      const late = await w.run(people.bob, `rebalance approve ${id}`);
      expect(errorCode(late)).toBe('EXPIRED');
      expect((await w.store.getWindow(id))?.status).toBe('expired');
      expect((await w.store.getPending(id))?.status).toBe('expired');
    });

    it('refuses requests from viewers and approvals from the wrong role, changing nothing', async () => {
      const w = await world();
      const byViewer = await w.run(people.vic, 'rebalance request 03:00 1h');
      expect(errorCode(byViewer)).toBe('NOT_PERMITTED');
      expect(byViewer.text?.[0]).toContain('needs the operator role; you are a viewer');
      expect(await w.store.listWindows({ cluster: 'prod' })).toHaveLength(0);

      const id = await requestWindow(w, 'rebalance request 03:00 1h');
      const byOperator = await w.click(people.carol, 'approve', id);
      expect(errorCode(byOperator)).toBe('NOT_PERMITTED');
      const typedByViewer = await w.run(people.vic, `rebalance approve ${id}`);
      expect(errorCode(typedByViewer)).toBe('NOT_PERMITTED');
      expect(typedByViewer.text?.[0]).toContain('needs the admin role; you are a viewer');
      expect((await w.store.getWindow(id))?.status).toBe('pending');
      expect((await w.store.getPending(id))?.status).toBe('pending');
    });

    it('refuses the requester approving their own window, then accepts a second admin', async () => {
      const w = await world();
      const id = await requestWindow(w, 'rebalance request 03:00 1h', people.dan);
      const own = await w.click(people.dan, 'approve', id);
      expect(errorCode(own)).toBe('SELF_APPROVAL');
      const ownTyped = await w.run(people.dan, `rebalance approve ${id}`);
      expect(errorCode(ownTyped)).toBe('SELF_APPROVAL');
      expect((await w.store.getWindow(id))?.status).toBe('pending');
      const other = await w.run(people.bob, `rebalance approve ${id}`);
      expect(other.title).toBe(`Rebalance window ${id} approved by bob (slack:UBOB): 2026-01-05 03:00–04:00 UTC (1h)`);
      expect(other.text?.[0]).toMatch(new RegExp(`^Request ${id} \\(\`rebalance open ${id}\`\\) was approved by bob`));
      expect((await w.store.getWindow(id))?.approvedBy?.userId).toBe('UBOB');
    });

    it('closes the window on a rejection (button or typed) and on withdrawal', async () => {
      const w = await world();
      const a = await requestWindow(w, 'rebalance request 03:00 1h');
      await w.click(people.bob, 'reject', a);
      const list = await w.run(people.vic, 'rebalance list');
      expect(list.tables?.[0]?.rows.find((r) => r[0] === a)?.slice(1, 2)).toEqual(['rejected']);
      expect((await w.store.getWindow(a))?.endReason).toBe('rejected by bob (slack:UBOB)');

      const b = await requestWindow(w, 'rebalance request 05:00 1h');
      const rejected = await w.run(people.dan, `rebalance reject ${b}`);
      expect(rejected.title).toBe(`Rejected: rebalance open ${b}`);
      expect((await w.store.getWindow(b))?.status).toBe('rejected');

      const c = await requestWindow(w, 'rebalance request 07:00 1h');
      await w.click(people.alice, 'cancel', c);
      await w.bot.scheduler.tick();
      expect((await w.store.getWindow(c))?.endReason).toBe('withdrawn by its requester');
      expect(w.levelCalls).toEqual([]);
    });

    it('cancels a pending window on abort and edits its approval message', async () => {
      const w = await world();
      const id = await requestWindow(w, 'rebalance request 03:00 1h');
      const prompt = await w.run(people.alice, `rebalance abort ${id}`);
      const done = await w.click(people.alice, 'confirm', pendingId(prompt));
      expect(done.title).toBe(`Rebalance window ${id} cancelled`);
      expect((await w.store.getWindow(id))?.status).toBe('aborted');
      expect((await w.store.getPending(id))?.status).toBe('cancelled');
      const approvalPost = w.sink.posts.find((p) => p.reply.title.startsWith('Approval needed'));
      const edit = w.sink.updates.find((u) => u.ref.messageId === approvalPost?.ref.messageId);
      expect(edit?.reply.title).toBe(`Withdrawn: rebalance open ${id}`);
      const late = await w.click(people.bob, 'approve', id);
      expect(errorCode(late)).toBe('ALREADY_DECIDED');
    });

    it('approves a local admin’s confirmed request at once and refuses a local operator', async () => {
      const w = await world();
      const local = await w.run(people.exec, 'rebalance request now 1h --reason maintenance', { confirmed: true });
      expect(local.title).toMatch(/^Rebalance window [0-9a-f]{8} approved: open a rebalance window on prod/);
      const [window] = await w.store.listWindows({ cluster: 'prod' });
      expect(window?.status).toBe('approved');
      expect(window?.reason).toBe('maintenance');
      const unconfirmed = await w.run(people.exec, 'rebalance request 05:00 1h');
      expect(errorCode(unconfirmed)).toBe('NEEDS_YES');

      const w2 = await world({ env: { PEGASUS_LOCAL_ROLE: 'operator' } });
      const refused = await w2.run(people.exec, 'rebalance request now 1h', { confirmed: true });
      expect(errorCode(refused)).toBe('NOT_PERMITTED');
      expect(await w2.store.listWindows({ cluster: 'prod' })).toHaveLength(0);
    });

    it('answers bad times and arguments with what was wrong and what is accepted', async () => {
      const w = await world();
      const cases: [string, RegExp][] = [
        ['rebalance request 25:00 2h', /"25:00" is not a start time\. Accepted: `now`, `HH:mm` \(next occurrence\)/],
        ['rebalance request 02:00 5m', /A window lasts from 10m to 12h; "5m" is 5m/],
        ['rebalance request 02:00 soon', /"soon" is not a duration/],
        ['rebalance request 2026-02-30 02:00 1h', /2026-02-30 is not a date in the calendar/],
        ['rebalance request 2026-02-03 1h', /"2026-02-03" needs a time of day after it/],
        ['rebalance request', /needs a start and a duration/],
        ['rebalance request 02:00 2h tonight', /Unexpected "tonight" after the duration/],
        ['rebalance request 02:00 2h --reason', /--reason needs a value/],
        ['rebalance frobnicate', /"frobnicate" is not a rebalance subcommand/],
        ['rebalance', /needs a subcommand/],
        ['rebalance approve', /takes the window id/],
        ['rebalance plan --duration 20h', /A window lasts from 10m to 12h/],
      ];
      for (const [line, expected] of cases) {
        const reply = await w.run(people.alice, line);
        expect(reply.status, line).toBe('unknown');
        expect(errorCode(reply), line).toBe('BAD_INPUT');
        expect(reply.text?.join(' '), line).toMatch(expected);
      }
      const past = await w.run(people.alice, 'rebalance request 2026-01-04 02:00 2h');
      expect(past.findings[0]?.severity).toBe('crit');
      expect(past.findings[0]?.summary).toContain('is in the past');
      const refused = await w.click(people.alice, 'confirm', pendingId(past));
      expect(refused.text?.join(' ')).toContain(
        'The start 2026-01-04 02:00 UTC is in the past (now it is 2026-01-05 01:00)',
      );
      const far = await w.run(people.alice, 'rebalance request +20d 2h');
      expect(far.findings[0]?.summary).toContain('more than 14 days ahead');
      expect(await w.store.listWindows({ cluster: 'prod' })).toHaveLength(0);
    });

    it('reads start times in the configured time zone', async () => {
      const w = await world({ env: { PEGASUS_TIMEZONE: 'Asia/Shanghai' } });
      // 01:00 UTC is 09:00 in Shanghai: 08:30 is tomorrow morning there.
      const id = await requestWindow(w, 'rebalance request 08:30 90m');
      const window = await w.store.getWindow(id);
      expect(window?.start.toISOString()).toBe('2026-01-06T00:30:00.000Z');
      expect(window?.end.toISOString()).toBe('2026-01-06T02:00:00.000Z');
      const status = await w.run(people.vic, `rebalance status ${id}`);
      expect(status.fields?.find((f) => f.label === 'when')?.value).toBe(
        '2026-01-06 08:30–10:00 Asia/Shanghai (1h 30m)',
      );
    });
  });
}
