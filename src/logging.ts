/**
 * One structured logger (pino: JSON lines, cheap, redaction built in). Tokens and file
 * contents never reach the logs: the redact paths cover the places they could appear.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

// Telegram file links embed the bot token (…/file/bot123:ABC/…); Slack tokens start with xox?-.
const SECRET_PATTERNS = [/bot\d+:[A-Za-z0-9_-]{20,}/g, /xox[abposr]-[A-Za-z0-9-]+/g, /xapp-[A-Za-z0-9-]+/g];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((t, re) => t.replace(re, '[disembunyikan]'), text);
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, depth + 1)]));
}

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  // People at a terminal read colored lines; log collectors get one JSON object per line.
  const pretty = !destination && process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  const options: LoggerOptions = {
    level,
    base: { service: 'sopbot' },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrubDeep(a)) as Parameters<typeof method>);
      },
    },
    redact: {
      paths: ['token', '*.token', 'botToken', '*.botToken', 'signingSecret', '*.signingSecret', 'headers.authorization', 'bytes', '*.bytes'],
      censor: '[disembunyikan]',
    },
  };
  if (destination) return pino(options, destination as DestinationStream);
  // In this thread, not as a pino transport: a transport is a worker thread, a second JavaScript
  // heap of about 35 MB for a few lines a minute. Loaded only for a terminal.
  if (pretty) return pino(options, prettyStream());
  return pino(options);
}

function prettyStream(): DestinationStream {
  const build = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
  return build({ translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', sync: true });
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: 'silent' });
