/**
 * One structured logger (pino: JSON lines, cheap, redaction built in). Tokens and file
 * contents never reach the logs: the redact paths cover the places they could appear.
 */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

// Telegram file links embed the bot token (…/file/bot123:ABC/…); Slack tokens start with xox?-.
// A connection string's password (postgres://user:password@host) goes too.
const SECRET_PATTERNS = [/bot\d+:[A-Za-z0-9_-]{20,}/g, /xox[abposr]-[A-Za-z0-9-]+/g, /xapp-[A-Za-z0-9-]+/g, /(?<=:\/\/[^\s:/@]+:)[^\s@/]+(?=@)/g];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((t, re) => t.replace(re, '[disembunyikan]'), text).replace(QUERY_PARAMS, '$1[disembunyikan]');
}

/**
 * drizzle's "Failed query: …\nparams: …" carries what people typed (titles, reasons, file and
 * display names): the statement stays, the values go.
 */
const QUERY_PARAMS = /(\nparams: )[\s\S]*$/;

/** Fields of a driver's error that hold a query's values. */
const PARAM_FIELDS = new Set(['params', 'parameters']);

/**
 * An Error's message and stack are not enumerable: copying its entries kept only `code` and
 * the like, so "password authentication failed" or ECONNREFUSED never reached the log.
 */
function scrubError(e: Error, depth: number): Record<string, unknown> {
  const own = Object.fromEntries(Object.entries(e).filter(([k]) => !PARAM_FIELDS.has(k)).map(([k, v]) => [k, scrubDeep(v, depth + 1)]));
  const aggregate = e instanceof AggregateError ? { errors: e.errors.slice(0, 5).map((x: unknown) => scrubDeep(x, depth + 1)) } : {};
  return {
    type: e.name,
    message: scrubSecrets(e.message),
    ...(e.stack ? { stack: scrubSecrets(e.stack) } : {}),
    ...own,
    ...(e.cause !== undefined ? { cause: scrubDeep(e.cause, depth + 1) } : {}),
    ...aggregate,
  };
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return scrubError(value, depth);
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, depth + 1)]));
}

/** The levels LOG_LEVEL may name (config.ts refuses any other with a sentence). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  // A wrong level must not stop the logger that is to say what is wrong: info until config refuses it.
  if (!(LOG_LEVELS as readonly string[]).includes(level)) level = 'info';
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
    // Errors arrive here already copied to plain objects by scrubDeep (message and stack kept);
    // pino's own serializer would name their type "Object".
    serializers: { err: (v: unknown) => (v instanceof Error ? pino.stdSerializers.err(v) : v) },
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
