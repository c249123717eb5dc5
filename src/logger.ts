/** Structured logs (pino, JSON lines on stderr so `exec --json` keeps stdout to its one object). */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Creates the bot's logger; secrets are redacted by path wherever they might appear. */
export function createLogger(level = 'info', destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: { app: 'pegasus-chatops' },
      redact: {
        paths: ['*.token', '*.botToken', '*.signingSecret', '*.appToken', '*.authorization', 'headers.authorization'],
        censor: '***',
      },
    },
    destination,
  );
}

/** A logger that drops everything (tests, quiet CLI runs). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
