/** Bolt's logger interface over the bot's pino logger, so Slack's own logs land in the same JSON lines. */
import { format } from 'node:util';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/logger.js';

function boltLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return LogLevel.DEBUG;
    case 'info':
      return LogLevel.INFO;
    case 'warn':
      return LogLevel.WARN;
    default:
      return LogLevel.ERROR;
  }
}

/**
 * Wraps a pino logger for Bolt, the Web API client and the Socket Mode client. Bolt logs several debug
 * lines per request: they are formatted only when that level is on, which keeps acks cheap.
 */
export function boltLogger(logger: Logger): BoltLogger {
  let child = logger.child({ component: 'slack' });
  return {
    debug: (...msg: unknown[]) => {
      if (child.isLevelEnabled('debug')) child.debug(format(...msg));
    },
    info: (...msg: unknown[]) => {
      if (child.isLevelEnabled('info')) child.info(format(...msg));
    },
    warn: (...msg: unknown[]) => {
      if (child.isLevelEnabled('warn')) child.warn(format(...msg));
    },
    error: (...msg: unknown[]) => {
      if (child.isLevelEnabled('error')) child.error(format(...msg));
    },
    // The bot's log level is set once from LOG_LEVEL; Bolt asking for another one is ignored on purpose.
    setLevel: () => undefined,
    getLevel: () => boltLevel(child.level),
    setName: (name: string) => {
      child = logger.child({ component: 'slack', name });
    },
  };
}
