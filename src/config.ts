/**
 * The service's settings, all from environment variables, checked once at start with a clear
 * Indonesian message for each bad value. See README "Konfigurasi".
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CalendarConfigError, makeCalendar, parseDayHours, type DayHours, type MakeCalendarOptions, type SpecialHours } from './calendar/calendar.js';
import { DEFAULT_ALLOWED_EXTENSIONS } from './storage/mime.js';
import { installFolder } from './install-folder.js';
import { LOG_LEVELS } from './logging.js';
import { IANAZone } from 'luxon';
import cron from 'node-cron';

/** "07:30-12:00, 13:00-16:00": a day's working periods; the gaps are breaks. */
const hours = z.string().transform((v, ctx): DayHours => {
  try {
    return parseDayHours(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof CalendarConfigError ? e.message : String(e) });
    return z.NEVER;
  }
});

/**
 * Spans with other hours, e.g. "2027-02-08..2027-03-09 08:00-12:00, 12:30-15:00". A period list
 * continues until the next part that starts with a date, so spans are separated by commas too
 * (as in earlier releases, whose spans had one period each).
 */
const spanStart = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})\s+(.+)$/;
const specialHours = z.string().transform((v, ctx): SpecialHours[] => {
  const spans: { from: string; to: string; periods: string[] }[] = [];
  for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = spanStart.exec(part);
    if (m) spans.push({ from: m[1]!, to: m[2]!, periods: [m[3]!] });
    else if (spans.length && /^\d/.test(part)) spans.at(-1)!.periods.push(part);
    else {
      ctx.addIssue({ code: 'custom', message: `"${part}": tulis sebagai TTTT-BB-HH..TTTT-BB-HH JJ.MM-JJ.MM (boleh beberapa periode dipisah koma)` });
      return z.NEVER;
    }
  }
  try {
    return spans.map((s) => ({ from: s.from, to: s.to, hours: parseDayHours(s.periods.join(',')) }));
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof CalendarConfigError ? e.message : String(e) });
    return z.NEVER;
  }
});

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    // A URL of another scheme ("localhost:5432/db" parses as one) would only fail later, in the driver.
    .regex(/^postgres(ql)?:\/\/[^\s]+$/i, 'harus berupa URL postgres://pengguna:sandi@host:5432/nama_db')
    .optional(),
  SOPBOT_DATA_DIR: z.string().optional(),
  SOPBOT_CATALOG_DIR: z.string().optional(),
  SOPBOT_FILES_DIR: z.string().optional(),
  SOPBOT_OFFICE_HOURS: hours.optional(),
  SOPBOT_FRIDAY_HOURS: hours.optional(),
  SOPBOT_RAMADAN_HOURS: specialHours.optional(),
  SOPBOT_MAX_UPLOAD_MB: z.coerce.number().positive().default(20),
  SOPBOT_ALLOWED_EXTENSIONS: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_TOKEN: z.string().min(16, 'token metrik minimal 16 karakter').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d+:[\w-]+$/, 'token bot Telegram berbentuk 123456:ABC... (dari BotFather)').optional(),
  TELEGRAM_API_ROOT: z.string().url().optional(),
  TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'rahasia webhook: 16-256 huruf, angka, "_" atau "-"')
    .optional(),
  TELEGRAM_MAX_DOWNLOAD_MB: z.coerce.number().positive().default(20),
  TELEGRAM_RATE_PER_SECOND: z.coerce.number().positive().default(30),
  TELEGRAM_RATE_PER_CHAT_PER_MINUTE: z.coerce.number().positive().default(20),
  SOPBOT_DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().positive().default(10),
  SOPBOT_TIMEZONE: z
    .string()
    .refine((v) => IANAZone.isValidZone(v), 'tulis zona waktu IANA, contoh Asia/Jakarta, Asia/Makassar atau Asia/Jayapura')
    .default('Asia/Jakarta'),
  SOPBOT_DIGEST_ROLE: z.string().default('kabid'),
  SOPBOT_DIGEST_TIME: z
    .string()
    .regex(/^([01]\d|2[0-3])[:.][0-5]\d$/, 'tulis jam ringkasan sebagai JJ.MM antara 00.00 dan 23.59, contoh 07.30')
    .transform((v) => v.replace('.', ':'))
    .default('07:30'),
  SOPBOT_REMINDER_FRACTION: z.coerce.number().gt(0).lt(1).default(0.25),
  SOPBOT_REMINDER_MIN_MINUTES: z.coerce.number().min(0).default(15),
  SOPBOT_ESCALATION_CHAIN: z
    .string()
    .regex(/^[a-z0-9_-]+(>[a-z0-9_-]+)+(,[a-z0-9_-]+(>[a-z0-9_-]+)+)*$/, 'tulis rantai eskalasi sebagai asesor>subkor>kabid (boleh beberapa, dipisah koma)')
    .optional(),
  SOPBOT_SCHEDULER_CRON: z
    .string()
    .refine((v) => cron.validate(v), 'tulis jadwal cron lima bagian, contoh "* * * * *" (setiap menit)')
    .default('* * * * *'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `tulis salah satu: ${LOG_LEVELS.join(', ')}` }).default('info'),
  SOPBOT_REPORT_MIN_ON_TIME: z.coerce.number().min(0).max(100).default(80),
  SOPBOT_REPORT_MAX_RETURNS: z.coerce.number().min(0).max(100).default(20),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'token bot Slack diawali xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(8, 'signing secret Slack terlalu pendek').optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'token aplikasi Slack (Socket Mode) diawali xapp-').optional(),
  SLACK_API_URL: z.string().url().optional(),
  SLACK_FILES_ORIGIN: z
    .string()
    .url()
    .refine((v) => new URL(v).origin === v.replace(/\/$/, ''), 'tulis asal alamat saja: skema, host dan port, contoh https://files.slack.com')
    .default('https://files.slack.com'),
  SLACK_RATE_PER_CHANNEL_PER_MINUTE: z.coerce.number().positive().default(60),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  catalogDir: string | undefined;
  filesDir: string;
  calendar: Omit<MakeCalendarOptions, 'timezone'>;
  maxUploadBytes: number;
  allowedExtensions: string[];
  port: number;
  /** Where the HTTP server listens: every interface by default, 127.0.0.1 behind a reverse proxy on the same machine. */
  host: string;
  metrics: {
    /** Bearer token /metrics and /readyz's details ask for; unset = open (or on their own listener). */
    token: string | undefined;
    /** Own listener for /metrics (and /readyz, /healthz) instead of the main port; unset = main port. */
    port: number | undefined;
    host: string;
  };
  telegram:
    | {
        token: string;
        apiRoot: string | undefined;
        webhookUrl: string | undefined;
        webhookSecret: string | undefined;
        maxDownloadBytes: number;
        limits: { globalPerSecond: number; perChatPerMinute: number };
      }
    | undefined;
  slack:
    | {
        botToken: string;
        signingSecret: string | undefined;
        appToken: string | undefined;
        apiUrl: string | undefined;
        /** The only origin the bot token is sent to when downloading files (Slack's file host). */
        filesOrigin: string;
        limits: { perChatPerMinute: number };
      }
    | undefined;
  dispatchMaxAttempts: number;
  scheduler: {
    timezone: string;
    digest: { role: string; time: string; timezone: string };
    reminders: { fraction: number; minMinutes: number };
    escalationChain: Record<string, string>;
    cron: string;
  };
  /** The monitoring report's rule of "berjalan dengan baik" (shares 0..1). */
  report: { rule: { minOnTimeShare: number; maxReturnShare: number } };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Konfigurasi tidak valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * zod's own messages are English; this says the same in Indonesian for the checks above that
 * carry no message of their own. It never quotes the value: it may be a token.
 */
const indonesian: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'harus berupa bilangan bulat';
      return issue.expected === 'number' ? 'harus berupa angka' : `harus berupa ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'string' ? `minimal ${issue.minimum} karakter` : `harus ${issue.inclusive ? 'paling sedikit' : 'lebih dari'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string' ? `maksimal ${issue.maximum} karakter` : `harus ${issue.inclusive ? 'paling banyak' : 'kurang dari'} ${issue.maximum}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'harus berupa URL lengkap, contoh https://contoh.go.id' : `format tidak sah (${issue.format})`;
    default:
      return 'nilai tidak sah';
  }
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')), { error: indonesian });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError(['TELEGRAM_WEBHOOK_SECRET: wajib diisi bila TELEGRAM_WEBHOOK_URL diisi (Telegram mengirimnya di setiap permintaan)']);
  }
  if (!e.SLACK_BOT_TOKEN && (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN)) {
    throw new ConfigError(['SLACK_BOT_TOKEN: wajib diisi bila SLACK_SIGNING_SECRET atau SLACK_APP_TOKEN diisi']);
  }
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    throw new ConfigError([
      'SLACK_SIGNING_SECRET: wajib diisi bersama SLACK_BOT_TOKEN (mode HTTP), atau isi SLACK_APP_TOKEN untuk Socket Mode',
    ]);
  }
  // The shape was read above; whether the hours are real, ordered times is the calendar's rule.
  const calendarChecks = [
    ['SOPBOT_OFFICE_HOURS', { officeHours: e.SOPBOT_OFFICE_HOURS }],
    ['SOPBOT_FRIDAY_HOURS', { fridayHours: e.SOPBOT_FRIDAY_HOURS }],
    ['SOPBOT_RAMADAN_HOURS', { specialHours: e.SOPBOT_RAMADAN_HOURS }],
  ] as const;
  for (const [variable, options] of calendarChecks) {
    try {
      makeCalendar({ includeShipped: false, ...options });
    } catch (err) {
      if (err instanceof CalendarConfigError) throw new ConfigError([`${variable}: ${err.message}`]);
      throw err;
    }
  }
  // Unset, the data folder is the installation's, wherever the command is typed.
  const dataDir = e.SOPBOT_DATA_DIR ? resolve(e.SOPBOT_DATA_DIR) : join(installFolder(), 'data');
  // Releases before this one took ./data of the folder the service was started in. A service
  // started elsewhere would otherwise open an empty database after the upgrade and look as if
  // every case were gone: it stops and names both folders instead.
  const previousDefault = resolve('data');
  if (!e.DATABASE_URL && !e.SOPBOT_DATA_DIR && previousDefault !== dataDir && existsSync(join(previousDefault, 'pglite'))) {
    throw new ConfigError([
      `SOPBOT_DATA_DIR belum disetel: folder data bawaan adalah ${dataDir}, tetapi ada basis data di ${previousDefault} (folder tempat perintah dijalankan). Setel SOPBOT_DATA_DIR ke folder yang dipakai selama ini, misalnya SOPBOT_DATA_DIR=${previousDefault}`,
    ]);
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    catalogDir: e.SOPBOT_CATALOG_DIR ? resolve(e.SOPBOT_CATALOG_DIR) : undefined,
    filesDir: e.SOPBOT_FILES_DIR ? resolve(e.SOPBOT_FILES_DIR) : join(dataDir, 'files'),
    calendar: {
      ...(e.SOPBOT_OFFICE_HOURS ? { officeHours: e.SOPBOT_OFFICE_HOURS } : {}),
      ...(e.SOPBOT_FRIDAY_HOURS ? { fridayHours: e.SOPBOT_FRIDAY_HOURS } : {}),
      ...(e.SOPBOT_RAMADAN_HOURS ? { specialHours: e.SOPBOT_RAMADAN_HOURS } : {}),
    },
    maxUploadBytes: Math.round(e.SOPBOT_MAX_UPLOAD_MB * 1024 * 1024),
    allowedExtensions: e.SOPBOT_ALLOWED_EXTENSIONS
      ? e.SOPBOT_ALLOWED_EXTENSIONS.split(',').map((x) => x.trim().toLowerCase().replace(/^\./, '')).filter(Boolean)
      : DEFAULT_ALLOWED_EXTENSIONS,
    port: e.PORT,
    host: e.HOST,
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST },
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          token: e.TELEGRAM_BOT_TOKEN,
          apiRoot: e.TELEGRAM_API_ROOT,
          webhookUrl: e.TELEGRAM_WEBHOOK_URL,
          webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
          maxDownloadBytes: Math.round(e.TELEGRAM_MAX_DOWNLOAD_MB * 1024 * 1024),
          limits: { globalPerSecond: e.TELEGRAM_RATE_PER_SECOND, perChatPerMinute: e.TELEGRAM_RATE_PER_CHAT_PER_MINUTE },
        }
      : undefined,
    slack: e.SLACK_BOT_TOKEN
      ? {
          botToken: e.SLACK_BOT_TOKEN,
          // An app token means Socket Mode, which needs no signing secret (nothing arrives over HTTP).
          signingSecret: e.SLACK_APP_TOKEN ? undefined : e.SLACK_SIGNING_SECRET,
          appToken: e.SLACK_APP_TOKEN,
          apiUrl: e.SLACK_API_URL,
          filesOrigin: new URL(e.SLACK_FILES_ORIGIN).origin,
          limits: { perChatPerMinute: e.SLACK_RATE_PER_CHANNEL_PER_MINUTE },
        }
      : undefined,
    dispatchMaxAttempts: e.SOPBOT_DISPATCH_MAX_ATTEMPTS,
    scheduler: {
      timezone: e.SOPBOT_TIMEZONE,
      digest: { role: e.SOPBOT_DIGEST_ROLE, time: e.SOPBOT_DIGEST_TIME, timezone: e.SOPBOT_TIMEZONE },
      reminders: { fraction: e.SOPBOT_REMINDER_FRACTION, minMinutes: e.SOPBOT_REMINDER_MIN_MINUTES },
      escalationChain: parseChain(e.SOPBOT_ESCALATION_CHAIN),
      cron: e.SOPBOT_SCHEDULER_CRON,
    },
    report: { rule: { minOnTimeShare: e.SOPBOT_REPORT_MIN_ON_TIME / 100, maxReturnShare: e.SOPBOT_REPORT_MAX_RETURNS / 100 } },
  };
}

/** "asesor>subkor>kabid" → asesor escalates to subkor, subkor to kabid. */
function parseChain(text: string | undefined): Record<string, string> {
  const chain: Record<string, string> = {};
  for (const part of (text ?? '').split(',').filter(Boolean)) {
    const roles = part.split('>');
    for (let i = 0; i + 1 < roles.length; i++) chain[roles[i]!] = roles[i + 1]!;
  }
  return chain;
}
