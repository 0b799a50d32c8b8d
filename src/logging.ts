/**
 * One structured logger (pino: JSON lines, cheap, redaction built in). Tokens and file
 * contents never reach the logs: the redact paths cover the places they could appear.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'sopbot' },
    redact: {
      paths: ['token', '*.token', 'botToken', '*.botToken', 'signingSecret', '*.signingSecret', 'headers.authorization', 'bytes', '*.bytes'],
      censor: '[disembunyikan]',
    },
  });
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
