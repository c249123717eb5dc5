import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPegasusCommand,
  interactionToCommandLine,
  quoteArgument,
  registerCommands,
  type CommandOptionJson,
} from '../../adapters/discord/command-definitions.js';
import { FakeDiscordApi } from './fake-discord-api.js';
import { commandInteraction } from './interaction-payloads.js';

const line = (path: string, options: Record<string, string | number | boolean> = {}) => {
  const result = interactionToCommandLine(commandInteraction(path, options).data);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

describe('interactionToCommandLine', () => {
  it('writes options back in the console grammar', () => {
    expect(line('health')).toBe('health');
    expect(line('nodes', { detail: true })).toBe('nodes -d');
    expect(line('nodes', { detail: false })).toBe('nodes');
    expect(line('ls', { detail: true, cluster: 'prod' })).toBe('ls -d --cluster prod');
    expect(line('app_stat', { table: 'x' })).toBe('app_stat -a x');
    expect(line('app', { table: 'user_profile', detail: true })).toBe('app user_profile -d');
    expect(line('set_meta_level', { level: 'lively' })).toBe('set_meta_level lively');
    expect(line('audit', { count: 20, since: '24h' })).toBe('audit 20 --since 24h');
    expect(line('help', { command: 'rebalance' })).toBe('help rebalance');
    expect(line('audit', { user: '1230000000000000002' })).toBe('audit --user discord:1230000000000000002');
    expect(line('app_stat', { table: 't1', interval: 2000 })).toBe('app_stat -a t1 -i 2000');
    expect(line('server_info', { type: 'meta-server' })).toBe('server_info -t meta-server');
  });

  it('maps subcommand groups to their words', () => {
    expect(line('rebalance plan')).toBe('rebalance plan');
    expect(line('rebalance approve', { id: 'win-7' })).toBe('rebalance approve win-7');
    expect(line('alerts list')).toBe('alerts');
    expect(line('alerts mute', { duration: '2h' })).toBe('alerts mute 2h');
    expect(line('alerts mute', { duration: 'off', channel: '1220000000000000009' })).toBe(
      'alerts mute 1220000000000000009 off',
    );
    expect(line('rebalance plan', { duration: '3h' })).toBe('rebalance plan --duration 3h');
    expect(line('rebalance list', { all: true })).toBe('rebalance list --all');
    expect(line('rebalance status', { id: 'w-2' })).toBe('rebalance status w-2');
    expect(line('applications show', { id: 'app-3' })).toBe('applications show app-3');
    expect(line('applications list', { status: 'submitted' })).toBe('applications list --status submitted');
    expect(line('health', { chart: true })).toBe('health --chart');
    expect(line('alerts silence', { group: 'nodes_alive', duration: '2h' })).toBe('alerts silence nodes_alive 2h');
  });

  it('quotes values with spaces so the core reads them as one argument', () => {
    expect(
      line('rebalance request', { start: '2026-03-03 02:00', duration: '2h', reason: 'skew after adding node 6' }),
    ).toBe('rebalance request "2026-03-03 02:00" 2h --reason "skew after adding node 6"');
    expect(quoteArgument('say "hi"')).toBe(`'say "hi"'`);
    expect(quoteArgument(`it's "x"`)).toBe(`"it's \\"x\\""`);
    expect(quoteArgument('-d')).toBe('"-d"');
  });

  it('refuses what the registered command does not declare, saying what to do', () => {
    const stale = interactionToCommandLine(commandInteraction('nodes', { verbose: true }).data);
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.error.message).toContain('discord register');
    const unknownSub = interactionToCommandLine(commandInteraction('drop_table').data);
    expect(unknownSub.ok ? '' : unknownSub.error.code).toBe('stale_command');
    const other = interactionToCommandLine({ name: 'ping', type: 1 });
    expect(other.ok ? '' : other.error.code).toBe('unknown_command');
    const badLevel = interactionToCommandLine(commandInteraction('set_meta_level', { level: 'fast' }).data);
    expect(badLevel.ok ? '' : badLevel.error.message).toContain('steady, lively, freezed, blind, stopped');
    const missing = interactionToCommandLine(commandInteraction('rebalance approve').data);
    expect(missing.ok ? '' : missing.error.code).toBe('missing_option');
  });
});

function walk(options: readonly CommandOptionJson[], visit: (o: CommandOptionJson) => void): void {
  for (const o of options) {
    visit(o);
    walk(o.options ?? [], visit);
  }
}

describe('the /pegasus command definition', () => {
  const command = buildPegasusCommand();

  it('declares the console commands as subcommands, rebalance and alerts as groups', () => {
    const names = command.options.map((o) => `${o.type}:${o.name}`);
    for (const name of [
      'health',
      'cluster_info',
      'ls',
      'nodes',
      'server_info',
      'server_stat',
      'app_stat',
      'connections',
    ]) {
      expect(names).toContain(`1:${name}`);
    }
    for (const name of ['get_meta_level', 'set_meta_level', 'inspect', 'audit', 'apply_table', 'help']) {
      expect(names).toContain(`1:${name}`);
    }
    expect(names).toContain('2:rebalance');
    expect(names).toContain('2:alerts');
    const rebalance = command.options.find((o) => o.name === 'rebalance');
    expect(rebalance?.options?.map((o) => o.name)).toEqual([
      'plan',
      'request',
      'approve',
      'reject',
      'abort',
      'status',
      'list',
    ]);
    const request = rebalance?.options?.find((o) => o.name === 'request');
    expect(request?.options?.map((o) => [o.name, o.required ?? false])).toEqual([
      ['start', true],
      ['duration', true],
      ['reason', false],
      ['cluster', false],
    ]);
    const level = command.options.find((o) => o.name === 'set_meta_level')?.options?.[0];
    expect(level?.choices?.map((c) => c.value)).toEqual(['steady', 'lively', 'freezed', 'blind', 'stopped']);
    expect(command.options.find((o) => o.name === 'nodes')?.options?.find((o) => o.name === 'detail')?.type).toBe(5);
  });

  it('stays within Discord’s limits', () => {
    expect(command.options.length).toBeLessThanOrEqual(25);
    let characters = command.name.length + command.description.length;
    walk(command.options, (o) => {
      expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(o.description.length).toBeGreaterThan(0);
      expect(o.description.length).toBeLessThanOrEqual(100);
      expect((o.options ?? []).length).toBeLessThanOrEqual(25);
      expect((o.choices ?? []).length).toBeLessThanOrEqual(25);
      const required = (o.options ?? []).map((x) => x.required ?? false);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
      characters += o.name.length + o.description.length;
      for (const c of o.choices ?? []) characters += c.name.length + c.value.length;
    });
    // Discord caps names, descriptions and choice values of one command at 4,000 characters.
    expect(characters).toBeLessThanOrEqual(4000);
  });

  it('offers configured clusters as choices', () => {
    const withClusters = buildPegasusCommand({ clusters: ['prod', 'staging'] });
    const cluster = withClusters.options.find((o) => o.name === 'health')?.options?.find((o) => o.name === 'cluster');
    expect(cluster?.choices).toEqual([
      { name: 'prod', value: 'prod' },
      { name: 'staging', value: 'staging' },
    ]);
  });
});

describe('registerCommands', () => {
  let api: FakeDiscordApi;
  beforeAll(async () => {
    api = await FakeDiscordApi.start('bot-token-1');
  });
  afterAll(async () => {
    await api.close();
  });

  it('PUTs the command to the guild with the bot token', async () => {
    const result = await registerCommands({
      applicationId: '42',
      guildId: '7',
      token: 'bot-token-1',
      apiUrl: api.apiUrl,
    });
    expect(result.ok && result.value.scope).toBe('guild');
    expect(result.ok && result.value.ids.length).toBe(1);
    const [call] = api.find('PUT', /^\/applications\/42\/guilds\/7\/commands$/);
    expect(call?.authorization).toBe('Bot bot-token-1');
    expect(call?.body).toEqual([buildPegasusCommand()]);
  });

  it('registers globally without a guild', async () => {
    const result = await registerCommands({
      applicationId: '42',
      token: 'bot-token-1',
      apiUrl: api.apiUrl,
      clusters: ['prod'],
    });
    expect(result.ok && result.value.scope).toBe('global');
    const [call] = api.find('PUT', /^\/applications\/42\/commands$/);
    expect(call?.body).toEqual([buildPegasusCommand({ clusters: ['prod'] })]);
  });

  it('answers a refused token with a value naming the variable to check', async () => {
    const result = await registerCommands({ applicationId: '42', guildId: '7', token: 'wrong', apiUrl: api.apiUrl });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('discord_register_refused');
      expect(result.error.message).toContain('DISCORD_BOT_TOKEN');
    }
  });

  it('answers an unreachable API with a value naming DISCORD_API_URL', async () => {
    const result = await registerCommands({ applicationId: '42', token: 't', apiUrl: 'http://127.0.0.1:1/api' });
    expect(result.ok ? '' : result.error.code).toBe('discord_unreachable');
    expect(result.ok ? '' : result.error.message).toContain('DISCORD_API_URL');
  });
});
