/**
 * A small dispatcher for the Slack adapter tests: it answers like the core does (findings of every
 * severity, tables, buttons, a form, approvals that replace their message, ephemeral refusals) and records
 * every call. It holds no Pegasus logic; it only has to be realistic enough to exercise the rendering.
 */
import type { ChatSink } from '../../src/chat/chat-sink.js';
import type { ActionClick, Dispatcher, FormSubmission, IncomingCommand } from '../../src/commands/command.js';
import { messageReply, type FormSpec, type Reply } from '../../src/replies/reply.js';

const at = new Date('2026-03-02T09:30:00Z');

/** The reply of `health` on a cluster with trouble: one finding of each severity plus two ok ones. */
export function healthReply(): Reply {
  return {
    command: 'health',
    status: 'crit',
    title: 'Cluster onebox: 1 critical, 1 warning',
    findings: [
      {
        check: 'nodes_alive',
        severity: 'crit',
        subject: '10.0.0.3:34801',
        summary: 'replica server is UNALIVE',
        evidence: { alive: 2, total: 3 },
        advice: 'Check the process and its log on the host; freeze the cluster before restarting more nodes.',
        action: { kind: 'run', ref: 'set_meta_level freeze', label: 'Freeze', style: 'danger' },
      },
      {
        check: 'replica_skew',
        severity: 'warn',
        subject: 'cluster',
        summary: 'primary count skew 40% (threshold 20%) <rebalance>',
        evidence: { max: 14, min: 6 },
        action: { kind: 'run', ref: 'rebalance plan', label: 'Plan a rebalance window' },
      },
      { check: 'meta_level', severity: 'info', subject: 'cluster', summary: 'meta level is steady' },
      { check: 'table_health', severity: 'ok', subject: 'temp', summary: 'all partitions healthy' },
      { check: 'disk_free', severity: 'ok', subject: 'cluster', summary: 'disk free above 20% on all nodes' },
    ],
    fields: [
      { label: 'Meta servers', value: '10.0.0.1:34601, 10.0.0.2:34601' },
      { label: 'Tables', value: '2' },
    ],
    actions: [{ kind: 'run', ref: 'health', label: 'Run again' }],
    context: { cluster: 'onebox', at: at.toISOString(), durationMs: 1234 },
  };
}

/** A `nodes -d` reply whose table is far too long for one message. */
export function bigTableReply(rows = 400): Reply {
  return {
    command: 'nodes -d',
    status: 'ok',
    title: `Cluster onebox: ${rows} nodes`,
    findings: [],
    tables: [
      {
        title: 'nodes',
        columns: ['address', 'status', 'replica_count', 'primary_count', 'secondary_count'],
        rows: Array.from({ length: rows }, (_, i) => [
          `10.0.${Math.floor(i / 250)}.${i % 250}:34801`,
          'ALIVE',
          '24',
          '8',
          '16',
        ]),
      },
    ],
    context: { cluster: 'onebox', at: at.toISOString(), durationMs: 80 },
  };
}

/** The table application form. */
export const applyTableForm: FormSpec = {
  id: 'apply_table',
  title: 'Apply for a table',
  submitLabel: 'Submit',
  fields: [
    { name: 'table', label: 'Table name', kind: 'text', required: true, placeholder: 'e.g. user_profile' },
    { name: 'partitions', label: 'Partition count', kind: 'number', required: true, hint: 'A power of two' },
    {
      name: 'replicas',
      label: 'Replica count',
      kind: 'select',
      required: true,
      options: [
        { value: '3', label: '3 (recommended)' },
        { value: '2', label: '2' },
      ],
    },
    { name: 'reason', label: 'Why', kind: 'multiline', required: false },
  ],
};

/** A hand-made gate a test opens when it wants a slow call to finish. */
export interface Gate {
  promise: Promise<void>;
  open(): void;
}

/** A closed gate. */
export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** The fake dispatcher; `sink` is set once the adapter exists (approval requests are posted through it). */
export class FakeDispatcher implements Dispatcher {
  readonly runs: IncomingCommand[] = [];
  readonly acts: ActionClick[] = [];
  readonly submits: FormSubmission[] = [];
  sink: ChatSink | undefined;
  /** `slow` commands wait for this gate. */
  slowGate: Gate = gate();
  /** Artificial latency of every `run` (the benchmark's cluster I/O). */
  runDelayMs = 0;
  /** How long `submit` takes. */
  submitDelayMs = 0;
  readonly boundChannels = new Set(['COPS', 'CAPPROVERS', 'CALERTS']);
  readonly operators = new Set(['UOPERATOR', 'UAPPROVER']);
  private readonly decided = new Map<string, string>();

  async run(command: IncomingCommand): Promise<Reply> {
    this.runs.push(command);
    if (this.runDelayMs > 0) await new Promise((r) => setTimeout(r, this.runDelayMs));
    const now = new Date();
    if (!this.boundChannels.has(command.channelId)) {
      return messageReply(
        command.text,
        'unknown',
        'Not available in this channel',
        [
          `This channel is not bound to a Pegasus cluster. Use #pegasus-ops, or ask an admin to add a binding for ${command.channelId}.`,
        ],
        now,
        { ephemeral: true },
      );
    }
    const [name = 'help'] = command.text.split(/\s+/);
    switch (name) {
      case 'health':
        return healthReply();
      case 'nodes':
        return bigTableReply();
      case 'slow':
        await this.slowGate.promise;
        return messageReply('slow', 'ok', 'Slow command finished', ['done'], now);
      case 'throw':
        throw new Error('bug in a command');
      case 'apply_table':
        return { ...messageReply('apply_table', 'ok', 'Apply for a table', [], now), form: applyTableForm };
      case 'set_meta_level': {
        if (!this.operators.has(command.actor.userId)) {
          return messageReply(
            command.text,
            'unknown',
            'Not permitted',
            [
              `set_meta_level needs the operator role; ${command.actor.userId} is a viewer. Ask an admin to add you to PEGASUS_OPERATORS.`,
            ],
            now,
            { ephemeral: true },
          );
        }
        const id = `apr-${this.runs.length}`;
        await this.sink?.post({ channelId: 'CAPPROVERS' }, approvalRequest(id, command.actor.userId, command.text));
        return messageReply(
          command.text,
          'ok',
          'Approval requested',
          [`Request ${id} was sent to the approvers.`],
          now,
          {
            ephemeral: true,
          },
        );
      }
      default:
        return messageReply(command.text, 'unknown', `Unknown command "${name}"`, ['Try `/pegasus help`.'], now, {
          ephemeral: true,
        });
    }
  }

  async act(click: ActionClick): Promise<Reply> {
    this.acts.push(click);
    const now = new Date();
    switch (click.action.kind) {
      case 'approve':
      case 'reject': {
        const earlier = this.decided.get(click.action.ref);
        if (earlier) {
          return messageReply('approve', 'unknown', 'Already decided', [`This request was already ${earlier}.`], now, {
            ephemeral: true,
          });
        }
        const verdict = `${click.action.kind === 'approve' ? 'approved' : 'rejected'} by ${click.actor.userId} at ${now.toISOString()}`;
        this.decided.set(click.action.ref, verdict);
        return messageReply(
          'approve',
          'ok',
          `Request ${click.action.ref} ${verdict.split(' ')[0] ?? ''}`,
          [verdict],
          now,
          {
            replaceOriginal: true,
          },
        );
      }
      case 'form':
        return { ...messageReply('apply_table', 'ok', 'Apply for a table', [], now), form: applyTableForm };
      case 'run':
        return this.run({ actor: click.actor, channelId: click.channelId, text: click.action.ref, interactive: true });
      default:
        return messageReply(click.action.kind, 'ok', `${click.action.kind} done`, [], now, { replaceOriginal: true });
    }
  }

  async submit(form: FormSubmission): Promise<Reply> {
    this.submits.push(form);
    if (this.submitDelayMs > 0) await new Promise((r) => setTimeout(r, this.submitDelayMs));
    const errors: Record<string, string> = {};
    if (!/^[a-z][a-z0-9_]{2,}$/.test(form.values['table'] ?? '')) {
      errors['table'] = 'Use 3+ lowercase letters, digits or _ (e.g. user_profile).';
    }
    const partitions = Number(form.values['partitions']);
    if (!Number.isInteger(partitions) || partitions <= 0 || (partitions & (partitions - 1)) !== 0) {
      errors['partitions'] = 'Must be a power of two, e.g. 8, 16, 32.';
    }
    const now = new Date();
    if (Object.keys(errors).length > 0) {
      return {
        ...messageReply('apply_table', 'unknown', 'Please correct the form', [], now, { ephemeral: true }),
        formErrors: errors,
      };
    }
    return messageReply(
      'apply_table',
      'ok',
      `Application for table ${form.values['table'] ?? ''} received`,
      ['An admin will review it.'],
      now,
    );
  }
}

/** The message the approvers see. */
export function approvalRequest(id: string, requester: string, commandLine: string): Reply {
  return messageReply(
    commandLine,
    'warn',
    `Approval needed: ${commandLine}`,
    [`Requested by ${requester}; expires in 15 minutes.`],
    at,
    {
      actions: [
        { kind: 'approve', ref: id, label: 'Approve', style: 'primary' },
        { kind: 'reject', ref: id, label: 'Reject', style: 'danger' },
      ],
    },
  );
}
