/** Why a THFT input could not be decoded: cut short, or bytes that cannot be what the protocol says. */
export type ThftDecodeReason = 'truncated' | 'malformed';

/**
 * Thrown by `ThriftReader` while it walks untrusted bytes; the exported decode functions catch it and return
 * a `Result` failure, so callers outside this folder only meet it when they drive a reader themselves.
 */
export class ThftDecodeError extends Error {
  readonly reason: ThftDecodeReason;

  constructor(reason: ThftDecodeReason, message: string) {
    super(message);
    this.name = 'ThftDecodeError';
    this.reason = reason;
  }
}
