/**
 * The service's settings, all from environment variables, checked once at start with a clear
 * Indonesian message for each bad value. See README "Konfigurasi".
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { MakeCalendarOptions, OfficeHours, RamadanPeriod } from './calendar/calendar.js';
import { DEFAULT_ALLOWED_EXTENSIONS } from './storage/mime.js';

const hoursPattern = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;
const hours = z
  .string()
  .regex(hoursPattern, 'tulis jam kantor sebagai HH:MM-HH:MM, contoh 07:30-16:00')
  .transform((v): OfficeHours => {
    const [, start, end] = hoursPattern.exec(v)!;
    return { start: start!, end: end! };
  });

const ramadanPattern = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})-(\d{2}:\d{2})$/;
const ramadan = z
  .string()
  .transform((v, ctx): RamadanPeriod[] => {
    const periods: RamadanPeriod[] = [];
    for (const part of v.split(',').map((p) => p.trim()).filter(Boolean)) {
      const m = ramadanPattern.exec(part);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `"${part}": tulis sebagai YYYY-MM-DD..YYYY-MM-DD HH:MM-HH:MM` });
        return z.NEVER;
      }
      periods.push({ from: m[1]!, to: m[2]!, hours: { start: m[3]!, end: m[4]! } });
    }
    return periods;
  });

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    // A URL of another scheme ("localhost:5432/db" parses as one) would only fail later, in the driver.
    .regex(/^postgres(ql)?:\/\/[^\s]+$/i, 'harus berupa URL postgres://pengguna:sandi@host:5432/nama_db')
    .optional(),
  SOPBOT_DATA_DIR: z.string().default('./data'),
  SOPBOT_CATALOG_DIR: z.string().optional(),
  SOPBOT_FILES_DIR: z.string().optional(),
  SOPBOT_OFFICE_HOURS: hours.optional(),
  SOPBOT_FRIDAY_HOURS: hours.optional(),
  SOPBOT_RAMADAN_HOURS: ramadan.optional(),
  SOPBOT_MAX_UPLOAD_MB: z.coerce.number().positive().default(20),
  SOPBOT_ALLOWED_EXTENSIONS: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
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
  SOPBOT_TIMEZONE: z.string().default('Asia/Jakarta'),
  SOPBOT_DIGEST_ROLE: z.string().default('kabid'),
  SOPBOT_DIGEST_TIME: z.string().regex(/^\d{2}:\d{2}$/, 'tulis jam ringkasan sebagai HH:MM, contoh 07:30').default('07:30'),
  SOPBOT_REMINDER_FRACTION: z.coerce.number().gt(0).lt(1).default(0.25),
  SOPBOT_REMINDER_MIN_MINUTES: z.coerce.number().min(0).default(15),
  SOPBOT_ESCALATION_CHAIN: z
    .string()
    .regex(/^[a-z0-9_-]+(>[a-z0-9_-]+)+(,[a-z0-9_-]+(>[a-z0-9_-]+)+)*$/, 'tulis rantai eskalasi sebagai asesor>subkor>kabid (boleh beberapa, dipisah koma)')
    .optional(),
  SOPBOT_SCHEDULER_CRON: z.string().default('* * * * *'),
  SOPBOT_REPORT_MIN_ON_TIME: z.coerce.number().min(0).max(100).default(80),
  SOPBOT_REPORT_MAX_RETURNS: z.coerce.number().min(0).max(100).default(20),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'token bot Slack diawali xoxb-').optional(),
  SLACK_SIGNING_SECRET: z.string().min(8, 'signing secret Slack terlalu pendek').optional(),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'token aplikasi Slack (Socket Mode) diawali xapp-').optional(),
  SLACK_API_URL: z.string().url().optional(),
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
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: resolve(e.SOPBOT_DATA_DIR),
    catalogDir: e.SOPBOT_CATALOG_DIR ? resolve(e.SOPBOT_CATALOG_DIR) : undefined,
    filesDir: resolve(e.SOPBOT_FILES_DIR ?? `${e.SOPBOT_DATA_DIR}/files`),
    calendar: {
      ...(e.SOPBOT_OFFICE_HOURS ? { officeHours: e.SOPBOT_OFFICE_HOURS } : {}),
      ...(e.SOPBOT_FRIDAY_HOURS ? { fridayHours: e.SOPBOT_FRIDAY_HOURS } : {}),
      ...(e.SOPBOT_RAMADAN_HOURS ? { ramadan: e.SOPBOT_RAMADAN_HOURS } : {}),
    },
    maxUploadBytes: Math.round(e.SOPBOT_MAX_UPLOAD_MB * 1024 * 1024),
    allowedExtensions: e.SOPBOT_ALLOWED_EXTENSIONS
      ? e.SOPBOT_ALLOWED_EXTENSIONS.split(',').map((x) => x.trim().toLowerCase().replace(/^\./, '')).filter(Boolean)
      : DEFAULT_ALLOWED_EXTENSIONS,
    port: e.PORT,
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
