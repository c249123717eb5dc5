/** Interactivity payloads shaped as Slack sends them (block_actions, view_submission). */

/** A button as it appears in a posted message's blocks. */
export interface PostedButton {
  action_id: string;
  value: string;
  text: { type: 'plain_text'; text: string };
}

/** The buttons of a message's blocks, in order. */
export function buttonsOf(blocks: unknown): PostedButton[] {
  if (!Array.isArray(blocks)) return [];
  return (blocks as { type: string; elements?: PostedButton[] }[]).flatMap((b) =>
    b.type === 'actions' ? (b.elements ?? []) : [],
  );
}

/** A `block_actions` payload for a click on `button`. */
export function blockActionsPayload(options: {
  button: PostedButton;
  userId: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
  triggerId?: string;
  ephemeral?: boolean;
  threadTs?: string;
}): Record<string, unknown> {
  const { button } = options;
  return {
    type: 'block_actions',
    user: {
      id: options.userId,
      username: options.userId.toLowerCase(),
      name: options.userId.toLowerCase(),
      team_id: 'T0000TEST',
    },
    api_app_id: 'A0000TEST',
    token: 'legacy-verification-token',
    container: {
      type: 'message',
      message_ts: options.messageTs,
      channel_id: options.channelId,
      is_ephemeral: options.ephemeral ?? false,
    },
    trigger_id: options.triggerId ?? `trigger-${Math.random().toString(36).slice(2)}`,
    team: { id: 'T0000TEST', domain: 'pegasus-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: options.channelId, name: 'channel' },
    ...(options.ephemeral
      ? {}
      : {
          message: {
            type: 'message',
            user: 'U0000BOT',
            bot_id: 'B0000BOT',
            ts: options.messageTs,
            text: '',
            ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
          },
        }),
    state: { values: {} },
    response_url: options.responseUrl,
    actions: [
      {
        action_id: button.action_id,
        block_id: 'blk',
        text: button.text,
        value: button.value,
        type: 'button',
        action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
      },
    ],
  };
}

/** A `view_submission` payload for a modal opened with `view`, submitted with `values` (by block id). */
export function viewSubmissionPayload(options: {
  view: Record<string, unknown>;
  viewId: string;
  userId: string;
  values: Record<string, string>;
}): Record<string, unknown> {
  const blocks = (options.view['blocks'] ?? []) as { type: string; block_id?: string; element?: { type: string } }[];
  const state: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const b of blocks) {
    if (b.type !== 'input' || !b.block_id || !b.element) continue;
    const value = options.values[b.block_id];
    state[b.block_id] = {
      value:
        b.element.type === 'static_select'
          ? {
              type: 'static_select',
              selected_option: value ? { text: { type: 'plain_text', text: value }, value } : null,
            }
          : { type: b.element.type, value: value ?? null },
    };
  }
  return {
    type: 'view_submission',
    team: { id: 'T0000TEST', domain: 'pegasus-test' },
    user: {
      id: options.userId,
      username: options.userId.toLowerCase(),
      name: options.userId.toLowerCase(),
      team_id: 'T0000TEST',
    },
    api_app_id: 'A0000TEST',
    token: 'legacy-verification-token',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    view: {
      ...options.view,
      id: options.viewId,
      team_id: 'T0000TEST',
      app_id: 'A0000TEST',
      bot_id: 'B0000BOT',
      hash: '1767225600.abcdef',
      root_view_id: options.viewId,
      previous_view_id: null,
      clear_on_close: false,
      notify_on_close: false,
      external_id: '',
      app_installed_team_id: 'T0000TEST',
      state: { values: state },
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
