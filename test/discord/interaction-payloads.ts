/**
 * Builders of interaction payloads in the shape Discord sends them (HTTP body or gateway `d`), and a
 * client that signs them with a locally generated Ed25519 key as Discord does.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { InteractionResponse } from '../../adapters/discord/discord-wire.js';

export const APP_ID = '1210000000000000001';
export const GUILD_ID = '1200000000000000001';
export const CHANNEL_ID = '1220000000000000001';
export const ALICE = '1230000000000000001';
export const BOB = '1230000000000000002';
export const OPERATOR_ROLE = 'role-operator';

let counter = 0;
const nextId = () => `13${String(Date.now()).slice(-10)}${String(++counter).padStart(6, '0')}`;

function base(type: number, user: string, roles: string[]) {
  const id = nextId();
  return {
    app_permissions: '562949953601536',
    application_id: APP_ID,
    authorizing_integration_owners: { '0': GUILD_ID },
    channel: {
      id: CHANNEL_ID,
      guild_id: GUILD_ID,
      name: 'pegasus-ops',
      type: 0,
      flags: 0,
      nsfw: false,
      parent_id: null,
    },
    channel_id: CHANNEL_ID,
    context: 0,
    entitlements: [],
    guild: { id: GUILD_ID, locale: 'en-US', features: [] },
    guild_id: GUILD_ID,
    guild_locale: 'en-US',
    id,
    locale: 'en-US',
    member: {
      avatar: null,
      deaf: false,
      flags: 0,
      joined_at: '2025-11-02T10:00:00.000000+00:00',
      mute: false,
      nick: user === ALICE ? 'alice' : null,
      pending: false,
      permissions: '2248473465835073',
      premium_since: null,
      roles,
      user: {
        id: user,
        username: user === ALICE ? 'alice.ops' : 'bob.ops',
        global_name: user === ALICE ? 'Alice' : 'Bob',
        discriminator: '0',
        avatar: null,
        public_flags: 0,
      },
    },
    token: `itoken-${id}`,
    type,
    version: 1,
  };
}

/** `/pegasus <sub> …options` (a subcommand or `group sub`). */
export function commandInteraction(
  path: string,
  options: Record<string, string | number | boolean> = {},
  user = ALICE,
  roles: string[] = [],
) {
  const values = Object.entries(options).map(([name, value]) => ({
    name,
    type: typeof value === 'boolean' ? 5 : typeof value === 'number' ? 4 : 3,
    value,
  }));
  const [first = '', second] = path.split(' ');
  const sub = second
    ? { name: first, type: 2, options: [{ name: second, type: 1, options: values }] }
    : { name: first, type: 1, options: values };
  return { ...base(2, user, roles), data: { id: '1240000000000000001', name: 'pegasus', type: 1, options: [sub] } };
}

/** A click on a button with `customId` on a message. */
export function componentInteraction(
  customId: string,
  message: { id: string; channel_id?: string; flags?: number; components?: unknown[] },
  user = ALICE,
  roles: string[] = [],
) {
  return {
    ...base(3, user, roles),
    data: { custom_id: customId, component_type: 2 },
    message: {
      type: 0,
      content: '',
      embeds: [],
      components: [],
      flags: 0,
      channel_id: CHANNEL_ID,
      author: { id: '1100000000000000001', username: 'pegasus-bot', bot: true },
      ...message,
    },
  };
}

/** A submitted modal; `message` when the modal was opened from a button. */
export function modalInteraction(
  customId: string,
  values: Record<string, string>,
  message?: { id: string; flags?: number },
  user = ALICE,
) {
  return {
    ...base(5, user, []),
    data: {
      custom_id: customId,
      components: Object.entries(values).map(([name, value]) => ({
        type: 1,
        components: [{ type: 4, custom_id: name, value }],
      })),
    },
    ...(message ? { message: { channel_id: CHANNEL_ID, components: [], embeds: [], ...message } } : {}),
  };
}

/** An Ed25519 key pair as Discord's application key, and a way to sign requests with it. */
export class DiscordSigner {
  readonly publicKeyHex: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    // The last 32 bytes of the SPKI DER are the raw key Discord shows as hex.
    this.publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  }

  /** The signature headers for a body at a time (seconds). */
  headers(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const signature = sign(null, Buffer.from(`${timestamp}${body}`), this.privateKey).toString('hex');
    return {
      'x-signature-ed25519': signature,
      'x-signature-timestamp': String(timestamp),
      'content-type': 'application/json',
    };
  }
}

/** Posts an interaction to the endpoint, signed unless told otherwise; returns the status and JSON body. */
export async function postInteraction(
  url: string,
  payload: unknown,
  signer: DiscordSigner,
  options: { timestamp?: number; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: InteractionResponse | undefined }> {
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...signer.headers(body, options.timestamp), ...options.headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as InteractionResponse) : undefined };
}
