/**
 * A small fake of the core's `Dispatcher` for the Discord adapter tests: it records every call and answers
 * with realistic replies (findings of each severity, shell tables, next-step buttons, a confirmation, an
 * approval that can be decided once, a form, refusals). `hold()` keeps answers back until released, so a
 * test decides deterministically whether the adapter had to defer.
 */
import type { ActionClick, Dispatcher, FormSubmission, IncomingCommand } from '../../src/commands/command.js';
import { messageReply, statusOf, type Finding, type FormSpec, type Reply } from '../../src/replies/reply.js';

const AT = new Date('2026-03-02T09:30:00Z');

/** The table application form: 12 questions, so three consecutive modals on Discord. */
export const applyTableForm: FormSpec = {
  id: 'apply_table',
  title: 'Apply for a new Pegasus table',
  submitLabel: 'Submit for review',
  fields: [
    { name: 'table_name', label: 'Table name', kind: 'text', required: true, placeholder: 'e.g. user_profile' },
    { name: 'read_peak_qps', label: 'Read peak (QPS)', kind: 'number', required: true },
    { name: 'reads_per_day', label: 'Reads per day', kind: 'number', required: true },
    { name: 'write_peak_tps', label: 'Write peak (TPS)', kind: 'number', required: true },
    { name: 'writes_per_day', label: 'Writes per day', kind: 'number', required: true },
    {
      name: 'schema',
      label: 'Key-value schema: hash key and sort key design, with an example key',
      kind: 'multiline',
      required: true,
    },
    { name: 'pattern', label: 'Read/write pattern', kind: 'multiline', required: false },
    { name: 'value_kb', label: 'Average key-value size (KB)', kind: 'number', required: true },
    { name: 'total_gb', label: 'Estimated total data (GB)', kind: 'number', required: true },
    {
      name: 'iops',
      label: 'IOPS characteristic',
      kind: 'select',
      required: true,
      options: [
        { value: 'even', label: 'Even through the day' },
        { value: 'peaky', label: 'Peaks' },
      ],
    },
    { name: 'read_p99_ms', label: 'Required read P99 (ms)', kind: 'number', required: true },
    { name: 'write_p99_ms', label: 'Required write P99 (ms)', kind: 'number', required: true },
  ],
};

function reply(command: string, title: string, findings: Finding[], extra: Partial<Reply> = {}): Reply {
  return {
    command,
    status: statusOf(findings),
    title,
    findings,
    context: { cluster: 'onebox', at: AT.toISOString(), durationMs: 840 },
    ...extra,
  };
}

/** `health` with one finding of each severity, fields, a table and next-step buttons. */
export function healthReply(): Reply {
  return reply(
    'health',
    'Cluster onebox: 1 critical, 1 warning',
    [
      {
        check: 'meta_servers',
        severity: 'ok',
        subject: 'cluster',
        summary: '3 of 3 meta servers answer; leader 127.0.0.1:34601',
      },
      {
        check: 'nodes_alive',
        severity: 'crit',
        subject: '127.0.0.1:34803',
        summary: 'Replica server UNALIVE',
        evidence: { alive: 4, total: 5 },
        advice: 'Check the process and its log; with 30% or more UNALIVE, freeze the meta level.',
        action: {
          kind: 'run',
          ref: 'set_meta_level freezed',
          label: 'Freeze the cluster',
          style: 'danger',
          confirm: {
            title: 'Freeze onebox?',
            text: 'The meta server stops moving replicas until the level is set back to steady.',
            confirmLabel: 'Freeze',
            denyLabel: 'Keep steady',
          },
        },
      },
      {
        check: 'replica_skew',
        severity: 'warn',
        subject: '127.0.0.1:34801',
        summary: 'Holds 38 replicas, 27% above the mean of 30',
        evidence: { replicas: 38, mean: 30 },
        action: { kind: 'run', ref: 'rebalance plan', label: 'Plan a rebalance' },
      },
      { check: 'balance_pending', severity: 'info', subject: 'cluster', summary: 'No balance operation pending' },
    ],
    {
      fields: [
        { label: 'meta level', value: 'steady' },
        { label: 'tables', value: '4' },
      ],
      tables: [
        {
          title: 'nodes',
          columns: ['address', 'status', 'replica_count', 'primary_count'],
          rows: [
            ['127.0.0.1:34801', 'ALIVE', '38', '19'],
            ['127.0.0.1:34802', 'ALIVE', '30', '15'],
            ['127.0.0.1:34803', 'UNALIVE', '0', '0'],
          ],
        },
      ],
      actions: [{ kind: 'run', ref: 'nodes -d', label: 'nodes -d' }],
    },
  );
}

/** `app_stat` over many tables: long enough to need several messages. */
export function longReply(tables = 120): Reply {
  return reply(
    'app_stat',
    `app_stat: ${tables} tables`,
    Array.from({ length: 30 }, (_, i) => ({
      check: 'table_p99',
      severity: 'warn' as const,
      subject: `table_${i}`,
      summary: `read P99 ${120 + i} ms over the 100 ms limit`,
      evidence: { p99_ms: 120 + i, limit_ms: 100 },
    })),
    {
      tables: [
        {
          title: 'app_stat',
          columns: ['app_id', 'name', 'GET', 'PUT', 'file_mb'],
          rows: Array.from({ length: tables }, (_, i) => [
            String(i + 1),
            `table_${i}`,
            String(i * 7),
            String(i * 3),
            String(i * 11),
          ]),
        },
      ],
    },
  );
}

/** The fake. */
export class FakeDispatcher implements Dispatcher {
  readonly runs: IncomingCommand[] = [];
  readonly clicks: ActionClick[] = [];
  readonly submissions: FormSubmission[] = [];
  /** Approval id → who requested it and who decided it. */
  readonly approvals = new Map<string, { requester: string; decidedBy?: string }>();
  private gate: Promise<void> | undefined;
  private release: (() => void) | undefined;

  /** Holds every answer back until the returned function is called. */
  hold(): () => void {
    this.gate = new Promise((resolve) => {
      this.release = resolve;
    });
    return () => {
      this.release?.();
      this.gate = undefined;
    };
  }

  private async answer(make: () => Reply): Promise<Reply> {
    if (this.gate) await this.gate;
    return make();
  }

  async run(command: IncomingCommand): Promise<Reply> {
    this.runs.push(command);
    return this.answer(() => this.reply(command));
  }

  private reply(command: IncomingCommand): Reply {
    const [name = '', ...args] = command.text.split(' ');
    switch (name) {
      case 'health':
        return healthReply();
      case 'app_stat':
        return longReply(args[0] === '-a' ? (args[1] === 'huge' ? 2000 : 5) : 120);
      case 'nodes':
        return reply(command.text, 'nodes: 3 replica servers', [], {
          tables: [{ title: 'details', columns: ['address', 'status'], rows: [['127.0.0.1:34801', 'ALIVE']] }],
        });
      case 'set_meta_level': {
        if (!command.actor.platformRoles?.includes('role-operator')) {
          return messageReply(
            command.text,
            'unknown',
            'Not permitted',
            [
              'set_meta_level needs the operator role. Ask an admin to grant it (PEGASUS_OPERATORS or an access binding).',
            ],
            AT,
            { ephemeral: true },
          );
        }
        return messageReply(
          command.text,
          'warn',
          `Set the meta level of onebox to ${args[0] ?? '?'}?`,
          ['Confirm within 15 minutes.'],
          AT,
          {
            ephemeral: true,
            actions: [
              { kind: 'confirm', ref: 'pend-1', label: 'Confirm', style: 'danger' },
              { kind: 'cancel', ref: 'pend-1', label: 'Cancel' },
            ],
          },
        );
      }
      case 'rebalance': {
        this.approvals.set('win-7', { requester: command.actor.userId });
        return messageReply(
          command.text,
          'warn',
          'Rebalance window win-7 waits for approval',
          ['02:00–04:00, reason: skew'],
          AT,
          {
            actions: [
              { kind: 'approve', ref: 'win-7', label: 'Approve' },
              { kind: 'reject', ref: 'win-7', label: 'Reject', style: 'danger' },
            ],
          },
        );
      }
      case 'connections':
        // A bug in a command: the adapter must still answer.
        throw new Error('connections: ss not found');
      case 'apply_table':
        return messageReply(command.text, 'ok', 'Table application', [], AT, { form: applyTableForm });
      default:
        return messageReply(command.text, 'unknown', `Unknown command "${name}"`, ['Type /pegasus help.'], AT, {
          ephemeral: true,
        });
    }
  }

  async act(click: ActionClick): Promise<Reply> {
    this.clicks.push(click);
    return this.answer(() => {
      const { kind, ref } = click.action;
      if (kind === 'confirm') {
        return messageReply(
          'set_meta_level lively',
          'ok',
          'control meta level ok, the old level is fl_steady',
          [],
          AT,
          {
            replaceOriginal: true,
          },
        );
      }
      if (kind === 'cancel') {
        return messageReply('set_meta_level lively', 'ok', 'Cancelled: nothing was changed', [], AT, {
          replaceOriginal: true,
        });
      }
      if (kind === 'approve' || kind === 'reject') {
        const approval = this.approvals.get(ref);
        if (!approval) return messageReply('', 'unknown', `No request ${ref}`, [], AT, { ephemeral: true });
        if (approval.requester === click.actor.userId) {
          return messageReply(
            '',
            'unknown',
            'You cannot approve your own request',
            ['Another operator has to decide.'],
            AT,
            {
              ephemeral: true,
            },
          );
        }
        if (approval.decidedBy) {
          return messageReply('', 'unknown', `Already decided by ${approval.decidedBy}`, [], AT, { ephemeral: true });
        }
        approval.decidedBy = click.actor.userId;
        return messageReply(
          '',
          'ok',
          `Window ${ref} ${kind === 'approve' ? 'approved' : 'rejected'} by <@${click.actor.userId}>`,
          [],
          AT,
          {
            replaceOriginal: true,
          },
        );
      }
      if (kind === 'form') return messageReply('', 'ok', 'Table application', [], AT, { form: applyTableForm });
      if (kind === 'run') return this.reply({ actor: click.actor, channelId: click.channelId, text: ref });
      return messageReply('', 'ok', `${kind} ${ref}`, [], AT, { ephemeral: true });
    });
  }

  async submit(form: FormSubmission): Promise<Reply> {
    this.submissions.push(form);
    return this.answer(() => {
      const errors: Record<string, string> = {};
      if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(form.values['table_name'] ?? '')) {
        errors['table_name'] = 'Use letters, digits, _ and . (starting with a letter or _).';
      }
      if (Number.isNaN(Number(form.values['write_p99_ms']))) errors['write_p99_ms'] = 'A number of milliseconds.';
      if (Object.keys(errors).length > 0) {
        return messageReply(form.formId, 'unknown', 'The application has errors', [], AT, {
          formErrors: errors,
          ephemeral: true,
        });
      }
      return reply(form.formId, `Review of ${form.values['table_name'] ?? ''}: approve`, [
        {
          check: 'apply_table',
          severity: 'ok',
          subject: form.values['table_name'] ?? '',
          summary: '8 partitions, 3 replicas',
        },
      ]);
    });
  }
}
