/** Requests signed the way Slack signs them: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>`. */
import { createHmac } from 'node:crypto';

/** The `X-Slack-Signature` value for a body at a timestamp (seconds). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** What to vary in a signed request. */
export interface SignOptions {
  secret: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Send this signature instead of the correct one. */
  signature?: string;
}

/** POSTs a form body to the adapter as Slack would, signed; returns the HTTP response. */
export async function postSigned(url: string, form: Record<string, string>, options: SignOptions): Promise<Response> {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': options.signature ?? slackSignature(options.secret, timestamp, body),
    },
    body,
  });
}

/** The form fields of a slash command invocation. */
export function slashCommandForm(fields: {
  text: string;
  userId?: string;
  channelId?: string;
  responseUrl: string;
  triggerId?: string;
}): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T0000TEST',
    team_domain: 'pegasus-test',
    channel_id: fields.channelId ?? 'COPS',
    channel_name: 'pegasus-ops',
    user_id: fields.userId ?? 'UOPERATOR',
    user_name: 'ops.person',
    command: '/pegasus',
    text: fields.text,
    api_app_id: 'A0000TEST',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl,
    trigger_id: fields.triggerId ?? `trigger-${Math.random().toString(36).slice(2)}`,
  };
}
