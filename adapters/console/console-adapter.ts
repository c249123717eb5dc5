/**
 * The console adapter: a `pegasus> ` prompt over injected input/output streams (readline), rendering replies
 * with the text renderer. A reply that asks for confirmation becomes a `Proceed? [y/N]` question whose answer
 * is sent back as the confirm/cancel action; a form becomes one question per field. It is also a `ChatSink`
 * with platform `console`, so approvals and alerts can be printed locally between commands.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { ChatSink, PostTarget } from '../../src/chat/chat-sink.js';
import type { Actor, Dispatcher, MessageRef } from '../../src/commands/command.js';
import { renderText } from '../../src/replies/render-text.js';
import type { FormSpec, Reply } from '../../src/replies/reply.js';

/** What the console needs. */
export interface ConsoleAdapterOptions {
  dispatcher: Dispatcher;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Whether yes/no questions can be asked (default: the input is a TTY). Without it, changes are refused. */
  interactive?: boolean;
  /** ANSI colours (decide with `shouldUseColor`). */
  color?: boolean;
  timezone?: string;
  /** The local user (default `console:local`). */
  actor?: Actor;
  prompt?: string;
  /** A file of earlier commands, one per line: loaded into the history and appended to. */
  historyFile?: string;
  historySize?: number;
}

const consoleHelp = [
  'Console: `exit` or `quit` (or Ctrl-D) leaves, `history` lists the commands typed so far.',
  'Changes ask `Proceed? [y/N]`; answer y to run them.',
];

function withoutDecisionActions(reply: Reply): Reply {
  const actions = reply.actions?.filter((a) => a.kind !== 'confirm' && a.kind !== 'cancel') ?? [];
  const { actions: _dropped, ...rest } = reply;
  return actions.length > 0 ? { ...rest, actions } : rest;
}

/** A local chat over a terminal (or any pair of streams). */
export class ConsoleAdapter implements ChatSink {
  readonly platform = 'console' as const;
  private readonly options: ConsoleAdapterOptions;
  private readonly actor: Actor;
  private readonly interactive: boolean;
  private readonly promptText: string;
  private readonly typed: string[] = [];
  private rl: Interface | undefined;
  private lines: AsyncIterator<string> | undefined;
  private messageCounter = 0;
  private busy = false;

  constructor(options: ConsoleAdapterOptions) {
    this.options = options;
    this.actor = options.actor ?? { platform: 'console', userId: 'local' };
    this.interactive = options.interactive ?? options.input.isTTY === true;
    this.promptText = options.prompt ?? 'pegasus> ';
  }

  /** Reads commands until `exit`, `quit` or the end of the input; resolves when the session is over. */
  async run(): Promise<void> {
    const terminal = this.options.output.isTTY === true && this.options.input.isTTY === true;
    const history = this.loadHistory();
    const rl = createInterface({
      input: this.options.input,
      output: this.options.output,
      terminal,
      prompt: this.promptText,
      history,
      historySize: this.options.historySize ?? 1000,
    });
    this.rl = rl;
    // Ctrl-C ends the session like Ctrl-D, instead of leaving a half-closed prompt.
    rl.on('SIGINT', () => {
      rl.close();
    });
    const lines = rl[Symbol.asyncIterator]();
    this.lines = lines;
    try {
      rl.prompt();
      for (;;) {
        const next = await lines.next();
        if (next.done === true) break;
        const line = next.value.trim();
        if (line === '') {
          rl.prompt();
          continue;
        }
        if (line === 'exit' || line === 'quit') break;
        this.remember(line);
        this.busy = true;
        try {
          await this.handle(line);
        } finally {
          this.busy = false;
        }
        rl.setPrompt(this.promptText);
        rl.prompt();
      }
    } finally {
      this.rl = undefined;
      this.lines = undefined;
      rl.close();
    }
  }

  /** Ends the session (the pending `run()` resolves). */
  close(): void {
    this.rl?.close();
  }

  /** Prints a message the core sends on its own (approval request, alert) and returns its local reference. */
  post(target: PostTarget, reply: Reply): Promise<MessageRef> {
    const messageId = String(++this.messageCounter);
    this.printAsync(`[message #${messageId} to ${target.channelId}]\n${this.render(reply)}`);
    return Promise.resolve({ platform: 'console', channelId: target.channelId, messageId });
  }

  /** Prints the new content of an earlier message (there is no way to edit what a terminal already shows). */
  update(ref: MessageRef, reply: Reply): Promise<void> {
    this.printAsync(`[message #${ref.messageId} updated]\n${this.render(reply)}`);
    return Promise.resolve();
  }

  private async handle(line: string): Promise<void> {
    if (line === 'history') {
      this.write(this.typed.map((l, i) => `${String(i + 1).padStart(4)}  ${l}`).join('\n'));
      return;
    }
    const reply = await this.options.dispatcher.run({
      actor: this.actor,
      channelId: 'console',
      text: line,
      interactive: this.interactive,
    });
    this.write(this.render(this.willAsk(reply) ? withoutDecisionActions(reply) : reply));
    if (line === 'help' || line.startsWith('help ')) this.write(consoleHelp.join('\n'));
    await this.followUp(reply);
  }

  /** Whether `followUp` will ask yes/no for this reply (its confirm/cancel lines would only repeat that). */
  private willAsk(reply: Reply): boolean {
    return this.interactive && reply.actions?.some((a) => a.kind === 'confirm') === true;
  }

  /** Asks the questions a reply implies (confirmation, form) and shows the outcome. */
  private async followUp(reply: Reply): Promise<void> {
    const confirm = reply.actions?.find((a) => a.kind === 'confirm');
    if (confirm && this.interactive) {
      const answer = await this.ask('Proceed? [y/N] ');
      const yes = answer !== undefined && /^(y|yes)$/i.test(answer.trim());
      const cancel = reply.actions?.find((a) => a.kind === 'cancel');
      if (!yes && !cancel) {
        this.write('Not confirmed; nothing was run.');
        return;
      }
      const action = yes
        ? { kind: 'confirm' as const, ref: confirm.ref }
        : { kind: 'cancel' as const, ref: cancel?.ref ?? confirm.ref };
      const outcome = await this.options.dispatcher.act({ actor: this.actor, channelId: 'console', action });
      this.write(this.render(outcome));
      return;
    }
    if (reply.form && this.interactive) await this.fillForm(reply.form);
  }

  private async fillForm(form: FormSpec): Promise<void> {
    let current: FormSpec | undefined = form;
    let previous: Record<string, string> = {};
    // A form with errors comes back with its errors; ask again, keeping what was valid, a few times at most.
    for (let attempt = 0; current && attempt < 3; attempt++) {
      const values: Record<string, string> = {};
      for (const field of current.fields) {
        const options = field.options ? ` (${field.options.map((o) => o.value).join('|')})` : '';
        const kept = previous[field.name];
        const suffix = kept ? ` [${kept}]` : '';
        const answer = await this.ask(`${field.label}${field.required ? '' : ' (optional)'}${options}${suffix}: `);
        if (answer === undefined) {
          this.write('Form abandoned; nothing was submitted.');
          return;
        }
        values[field.name] = answer.trim() === '' && kept ? kept : answer.trim();
      }
      const reply = await this.options.dispatcher.submit({
        actor: this.actor,
        channelId: 'console',
        formId: current.id,
        values,
      });
      this.write(this.render(reply));
      previous = values;
      current = reply.formErrors && Object.keys(reply.formErrors).length > 0 ? (reply.form ?? current) : undefined;
      if (!current) await this.followUp(reply);
    }
  }

  /** Asks one question on the prompt line; undefined when the input ended. */
  private async ask(question: string): Promise<string | undefined> {
    const rl = this.rl;
    const lines = this.lines;
    if (!rl || !lines) return undefined;
    rl.setPrompt(question);
    rl.prompt();
    const next = await lines.next();
    rl.setPrompt(this.promptText);
    return next.done === true ? undefined : next.value;
  }

  private render(reply: Reply): string {
    return renderText(reply, {
      ...(this.options.color !== undefined ? { color: this.options.color } : {}),
      ...(this.options.timezone !== undefined ? { timezone: this.options.timezone } : {}),
    });
  }

  private write(text: string): void {
    this.options.output.write(`${text}\n`);
  }

  /** Prints between prompts: on a terminal, over the current prompt line, then redraws it. */
  private printAsync(text: string): void {
    const rl = this.rl;
    if (!rl || this.busy || this.options.output.isTTY !== true) {
      this.write(text);
      return;
    }
    this.options.output.write('\r\u001b[K');
    this.write(text);
    rl.prompt(true);
  }

  private loadHistory(): string[] {
    const file = this.options.historyFile;
    if (file === undefined) return [];
    try {
      // readline wants the newest entry first.
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .reverse()
        .slice(0, this.options.historySize ?? 1000);
    } catch {
      return [];
    }
  }

  private remember(line: string): void {
    this.typed.push(line);
    const file = this.options.historyFile;
    if (file === undefined || line === 'history') return;
    try {
      appendFileSync(file, `${line.replaceAll('\n', ' ')}\n`);
    } catch {
      // History is a convenience; a read-only home must not break the console.
    }
  }
}
