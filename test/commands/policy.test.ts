import { describe, expect, it } from 'vitest';
import type { Actor, Platform } from '../../src/commands/command.js';
import { authorize, mayDecide, riskTable, roleOf } from '../../src/commands/policy.js';
import type { Config, Role } from '../../src/config/config.js';
import type { PendingAction, Risk } from '../../src/store/store.js';
import { testConfig } from './gate-fixtures.js';

/** Users holding each role on each chat platform (discord-role grants for Discord). */
function configWithRoles(): Config {
  const config = testConfig({
    PEGASUS_OPERATORS: 'slack:UOP,discord:200',
    PEGASUS_ADMINS: 'slack:UADMIN,discord-role:900',
  });
  return config;
}

const chatUsers: Record<'slack' | 'discord', Record<Role, Actor>> = {
  slack: {
    viewer: { platform: 'slack', userId: 'UVIEW' },
    operator: { platform: 'slack', userId: 'UOP' },
    admin: { platform: 'slack', userId: 'UADMIN' },
  },
  discord: {
    viewer: { platform: 'discord', userId: '100', platformRoles: ['1'] },
    operator: { platform: 'discord', userId: '200' },
    admin: { platform: 'discord', userId: '300', platformRoles: ['900'] },
  },
};

const risks: Risk[] = ['read', 'change', 'dangerous'];
const roles: Role[] = ['viewer', 'operator', 'admin'];

describe('policy: roles', () => {
  it('makes every chat user a viewer by default and reads grants by platform id and Discord role', () => {
    const config = configWithRoles();
    for (const platform of ['slack', 'discord'] as const) {
      for (const role of roles) expect(roleOf(chatUsers[platform][role], config.access)).toBe(role);
    }
    // The same id on another platform is another person.
    expect(roleOf({ platform: 'discord', userId: 'UADMIN' }, config.access)).toBe('viewer');
    // A Discord role id does not grant anything on Slack.
    expect(roleOf({ platform: 'slack', userId: 'X', platformRoles: ['900'] }, config.access)).toBe('viewer');
  });

  it('gives the local user PEGASUS_LOCAL_ROLE (admin by default)', () => {
    expect(roleOf({ platform: 'console', userId: 'local' }, testConfig().access)).toBe('admin');
    expect(roleOf({ platform: 'exec', userId: 'local' }, testConfig({ PEGASUS_LOCAL_ROLE: 'viewer' }).access)).toBe(
      'viewer',
    );
  });
});

describe('policy: the matrix of role × risk × platform × channel', () => {
  const expectedChat: Record<Role, Record<Risk, 'run' | 'confirm' | 'approve' | 'refused'>> = {
    viewer: { read: 'run', change: 'refused', dangerous: 'refused' },
    operator: { read: 'run', change: 'confirm', dangerous: 'approve' },
    admin: { read: 'run', change: 'confirm', dangerous: 'approve' },
  };
  const expectedLocal: Record<Role, Record<Risk, 'run' | 'confirm' | 'approve' | 'refused'>> = {
    viewer: { read: 'run', change: 'refused', dangerous: 'refused' },
    operator: { read: 'run', change: 'confirm', dangerous: 'refused' },
    admin: { read: 'run', change: 'confirm', dangerous: 'confirm' },
  };

  function outcome(config: Config, actor: Actor, channelId: string, risk: Risk, cluster = 'prod'): string {
    const r = authorize({ actor, channelId, cluster, command: 'cmd', risk }, config);
    return r.ok ? r.value.rule.gate : `refused:${r.error.code}`;
  }

  for (const platform of ['slack', 'discord'] as const) {
    for (const role of roles) {
      for (const risk of risks) {
        it(`${platform} ${role} ${risk}: unbound → ${expectedChat[role][risk]}; bound elsewhere → refused`, () => {
          const config = configWithRoles();
          const actor = chatUsers[platform][role];
          const want = expectedChat[role][risk];
          expect(outcome(config, actor, 'C1', risk)).toBe(want === 'refused' ? 'refused:NOT_PERMITTED' : want);
          // Bindings for this platform: C1 is bound, C2 is not.
          config.access.bindings = [{ platform, channelId: 'C1' }];
          expect(outcome(config, actor, 'C1', risk)).toBe(want === 'refused' ? 'refused:NOT_PERMITTED' : want);
          expect(outcome(config, actor, 'C2', risk)).toBe('refused:CHANNEL_NOT_BOUND');
        });
      }
    }
  }

  for (const platform of ['console', 'exec'] as Platform[]) {
    for (const role of roles) {
      for (const risk of risks) {
        it(`${platform} with local role ${role}, ${risk} → ${expectedLocal[role][risk]}, whatever the bindings`, () => {
          const config = testConfig({ PEGASUS_LOCAL_ROLE: role });
          config.access.bindings = [{ platform: 'slack', channelId: 'C1' }];
          const want = expectedLocal[role][risk];
          expect(outcome(config, { platform, userId: 'local' }, platform, risk)).toBe(
            want === 'refused' ? 'refused:NOT_PERMITTED' : want,
          );
        });
      }
    }
  }

  it('bindings of one platform do not restrict the other', () => {
    const config = configWithRoles();
    config.access.bindings = [{ platform: 'slack', channelId: 'C1' }];
    expect(outcome(config, chatUsers.discord.viewer, 'anything', 'read')).toBe('run');
  });

  it('a binding may restrict the clusters a channel addresses', () => {
    const config = configWithRoles();
    config.access.bindings = [{ platform: 'slack', channelId: 'C1', clusters: ['staging'] }];
    expect(outcome(config, chatUsers.slack.viewer, 'C1', 'read', 'staging')).toBe('run');
    expect(outcome(config, chatUsers.slack.viewer, 'C1', 'read', 'prod')).toBe('refused:CLUSTER_NOT_ALLOWED');
  });

  it('explains a refusal: what is needed, what the user is, and how to get it', () => {
    const config = configWithRoles();
    const r = authorize(
      {
        actor: chatUsers.slack.viewer,
        channelId: 'C1',
        cluster: 'prod',
        command: 'set_meta_level lively',
        risk: 'dangerous',
      },
      config,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toContain('needs the operator role');
    expect(r.error.message).toContain('you are a viewer');
    expect(r.error.message).toContain('slack:UVIEW to PEGASUS_OPERATORS');
    config.access.bindings = [{ platform: 'slack', channelId: 'C1' }];
    const unbound = authorize(
      { actor: chatUsers.slack.admin, channelId: 'C9', cluster: 'prod', command: 'ls', risk: 'read' },
      config,
    );
    expect(unbound.ok).toBe(false);
    if (!unbound.ok) expect(unbound.error.message).toMatch(/not bound.*C1.*access\.bindings/);
  });

  it('keeps the risk mapping in one table', () => {
    expect(riskTable.dangerous.chat).toEqual({ role: 'operator', gate: 'approve', approverRole: 'admin' });
  });
});

describe('policy: who may decide an approval', () => {
  const pending = (requestedBy: Actor): PendingAction => ({
    id: 'p1',
    kind: 'approval',
    command: 'set_meta_level lively',
    cluster: 'prod',
    params: {},
    risk: 'dangerous',
    requestedBy,
    channelId: 'C1',
    requiredRole: 'admin',
    createdAt: new Date(0),
    expiresAt: new Date(1),
    status: 'pending',
    messages: [],
  });

  it('refuses the requester, refuses a lower role, accepts another admin', () => {
    const config = configWithRoles();
    const own = mayDecide(chatUsers.slack.admin, pending(chatUsers.slack.admin), config);
    expect(own.ok || own.error.code).toBe('SELF_APPROVAL');
    const low = mayDecide(chatUsers.slack.operator, pending(chatUsers.slack.viewer), config);
    expect(low.ok || low.error.code).toBe('NOT_PERMITTED');
    expect(mayDecide(chatUsers.discord.admin, pending(chatUsers.slack.operator), config).ok).toBe(true);
    expect(mayDecide(chatUsers.slack.admin, pending(chatUsers.slack.operator), config).ok).toBe(true);
  });
});
