/**
 * An agency's IT staff set the environment and start the service. Each mistake they can make
 * stops the start with one Indonesian sentence that names the variable and what is wrong, and
 * never repeats a value that may be a secret (it would end up in a terminal log or a ticket).
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** The message a bad environment gets; fails the test if it starts anyway. */
function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${Object.keys(env).join(', ')}`);
}

const ENGLISH = /\b(invalid|expected|received|required|must|too (big|small))\b/i;

describe('a malformed variable stops the start with its name and the problem in Indonesian', () => {
  const cases: { what: string; env: NodeJS.ProcessEnv; variable: string; says: RegExp; secret?: string; quotesInput?: true }[] = [
    {
      what: 'DATABASE_URL without the scheme separator',
      env: { DATABASE_URL: 'postgres//sopbot:Sandi-Rahasia-DB-1@db:5432/sopbot' },
      variable: 'DATABASE_URL',
      says: /harus berupa URL postgres:\/\//,
      secret: 'Sandi-Rahasia-DB-1',
    },
    {
      what: 'DATABASE_URL of another database',
      env: { DATABASE_URL: 'mysql://sopbot:Sandi-Rahasia-DB-2@db/sopbot' },
      variable: 'DATABASE_URL',
      says: /harus berupa URL postgres:\/\//,
      secret: 'Sandi-Rahasia-DB-2',
    },
    {
      what: 'DATABASE_URL as host:port (a URL to the parser, not to the driver)',
      env: { DATABASE_URL: 'localhost:5432/sopbot' },
      variable: 'DATABASE_URL',
      says: /harus berupa URL postgres:\/\//,
    },
    { what: 'a time zone that does not exist', env: { SOPBOT_TIMEZONE: 'Mars/Base' }, variable: 'SOPBOT_TIMEZONE', says: /zona waktu IANA, contoh Asia\/Jakarta/ },
    { what: 'a digest at an hour the day does not have', env: { SOPBOT_DIGEST_TIME: '25:00' }, variable: 'SOPBOT_DIGEST_TIME', says: /antara 00\.00 dan 23\.59/ },
    { what: 'a scheduler cron that is not one', env: { SOPBOT_SCHEDULER_CRON: 'sekali sejam' }, variable: 'SOPBOT_SCHEDULER_CRON', says: /jadwal cron lima bagian/ },
    { what: 'a log level pino does not know', env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL', says: /tulis salah satu: fatal, error, warn, info/ },
    { what: 'office hours with dots', env: { SOPBOT_OFFICE_HOURS: '7.30-16' }, variable: 'SOPBOT_OFFICE_HOURS', says: /tulis periode JJ\.MM-JJ\.MM dipisah koma/ },
    {
      what: 'office hours whose periods overlap',
      env: { SOPBOT_OFFICE_HOURS: '07:30-12:30, 12:00-16:00' },
      variable: 'SOPBOT_OFFICE_HOURS',
      says: /periode harus berurutan dan tidak bertumpang tindih/,
      quotesInput: true,
    },
    { what: 'Friday hours without the end', env: { SOPBOT_FRIDAY_HOURS: '07:30' }, variable: 'SOPBOT_FRIDAY_HOURS', says: /JJ\.MM-JJ\.MM/ },
    {
      what: 'a Ramadan period without hours',
      env: { SOPBOT_RAMADAN_HOURS: '2027-02-08..2027-03-09' },
      variable: 'SOPBOT_RAMADAN_HOURS',
      says: /tulis sebagai TTTT-BB-HH\.\.TTTT-BB-HH JJ\.MM-JJ\.MM/,
      // Dates are no secret, and among several periods the message has to point at the bad one.
      quotesInput: true,
    },
    {
      what: 'a Telegram webhook without its secret',
      env: { TELEGRAM_BOT_TOKEN: '123456:AAH-token-yang-rahasia', TELEGRAM_WEBHOOK_URL: 'https://bot.example.go.id/telegram/webhook' },
      variable: 'TELEGRAM_WEBHOOK_SECRET',
      says: /wajib diisi bila TELEGRAM_WEBHOOK_URL diisi/,
      secret: 'AAH-token-yang-rahasia',
    },
    {
      what: 'a Telegram token that is not BotFather-shaped',
      env: { TELEGRAM_BOT_TOKEN: 'AAH-token-tanpa-nomor-bot' },
      variable: 'TELEGRAM_BOT_TOKEN',
      says: /token bot Telegram berbentuk 123456:ABC/,
      secret: 'AAH-token-tanpa-nomor-bot',
    },
    {
      what: 'a webhook secret too short for Telegram',
      env: { TELEGRAM_BOT_TOKEN: '123456:ABC', TELEGRAM_WEBHOOK_URL: 'https://bot.example.go.id/tg', TELEGRAM_WEBHOOK_SECRET: 'rhs-pendek' },
      variable: 'TELEGRAM_WEBHOOK_SECRET',
      says: /16-256 huruf/,
      secret: 'rhs-pendek',
    },
    { what: 'a webhook URL that is not a URL', env: { TELEGRAM_WEBHOOK_URL: 'bot.example.go.id' }, variable: 'TELEGRAM_WEBHOOK_URL', says: /harus berupa URL/ },
    {
      what: 'a Slack bot token without a signing secret or app token',
      env: { SLACK_BOT_TOKEN: 'xoxb-1111-rahasia-slack' },
      variable: 'SLACK_SIGNING_SECRET',
      says: /wajib diisi bersama SLACK_BOT_TOKEN.*SLACK_APP_TOKEN/,
      secret: 'xoxb-1111-rahasia-slack',
    },
    {
      what: 'a Slack user token where the bot token goes',
      env: { SLACK_BOT_TOKEN: 'xoxp-2222-rahasia-pengguna', SLACK_SIGNING_SECRET: 'signing-rahasia-123' },
      variable: 'SLACK_BOT_TOKEN',
      says: /token bot Slack diawali xoxb-/,
      secret: 'xoxp-2222-rahasia-pengguna',
    },
    {
      what: 'a Slack signing secret without the bot token',
      env: { SLACK_SIGNING_SECRET: 'signing-rahasia-456' },
      variable: 'SLACK_BOT_TOKEN',
      says: /wajib diisi bila SLACK_SIGNING_SECRET/,
      secret: 'signing-rahasia-456',
    },
    {
      what: 'a Slack app token of the wrong kind',
      env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-3333-bukan-app-token' },
      variable: 'SLACK_APP_TOKEN',
      says: /diawali xapp-/,
      secret: 'xoxb-3333-bukan-app-token',
    },
    { what: 'an escalation chain of one role', env: { SOPBOT_ESCALATION_CHAIN: 'asesor' }, variable: 'SOPBOT_ESCALATION_CHAIN', says: /asesor>subkor>kabid/ },
    { what: 'an escalation chain with spaces', env: { SOPBOT_ESCALATION_CHAIN: 'asesor > kabid' }, variable: 'SOPBOT_ESCALATION_CHAIN', says: /asesor>subkor>kabid/ },
    { what: 'a port in words', env: { PORT: 'delapan' }, variable: 'PORT', says: /harus berupa angka/ },
    { what: 'a port out of range', env: { PORT: '70000' }, variable: 'PORT', says: /paling banyak 65535/ },
    { what: 'a fractional port', env: { PORT: '80.5' }, variable: 'PORT', says: /bilangan bulat/ },
    { what: 'a negative upload limit', env: { SOPBOT_MAX_UPLOAD_MB: '-1' }, variable: 'SOPBOT_MAX_UPLOAD_MB', says: /lebih dari 0/ },
    { what: 'a reminder fraction above one', env: { SOPBOT_REMINDER_FRACTION: '2' }, variable: 'SOPBOT_REMINDER_FRACTION', says: /kurang dari 1/ },
    { what: 'a digest time without minutes', env: { SOPBOT_DIGEST_TIME: '7' }, variable: 'SOPBOT_DIGEST_TIME', says: /JJ\.MM/ },
  ];

  for (const c of cases) {
    it(`${c.what}: names ${c.variable}`, () => {
      const e = refusal(c.env);
      expect(e.message).toMatch(/^Konfigurasi tidak valid:\n/);
      const line = e.problems.find((p) => p.startsWith(`${c.variable}: `));
      expect(line, e.message).toBeDefined();
      expect(line).toMatch(c.says);
      expect(line).not.toMatch(ENGLISH);
      // No stack frames, and no value: only the variable's name and the rule it breaks.
      expect(e.message).not.toMatch(/\n\s+at /);
      for (const value of c.quotesInput ? [] : Object.values(c.env)) {
        if (value && value.length > 8) expect(e.message).not.toContain(value);
      }
      if (c.secret) expect(e.message).not.toContain(c.secret);
    });
  }
});

describe('a good environment', () => {
  it('starts with the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      port: 8080,
      telegram: undefined,
      slack: undefined,
      maxUploadBytes: 20 * 1024 * 1024,
      dispatchMaxAttempts: 10,
    });
    expect(config.filesDir.endsWith('/data/files')).toBe(true);
    // The installation's data folder, wherever a command is typed: `sopbot` run from the admin's
    // home must not create an empty database there.
    const install = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    const here = process.cwd();
    try {
      process.chdir(tmpdir());
      expect(loadConfig({}).dataDir).toBe(join(install, 'data'));
      expect(loadConfig({ SOPBOT_DATA_DIR: 'lain' }).dataDir).toBe(join(realpathSync(tmpdir()), 'lain'));
      // A service that an earlier release ran from another folder finds its database named, not an empty one.
      const old = mkdtempSync(join(tmpdir(), 'sopbot-lama-'));
      mkdirSync(join(old, 'data', 'pglite'), { recursive: true });
      process.chdir(old);
      const refused = refusal({});
      expect(refused.message).toContain(`SOPBOT_DATA_DIR belum disetel: folder data bawaan adalah ${join(install, 'data')}, tetapi ada basis data di ${join(realpathSync(old), 'data')}`);
      expect(loadConfig({ SOPBOT_DATA_DIR: join(old, 'data') }).dataDir).toBe(join(old, 'data'));
      expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).databaseUrl).toBe('postgres://u@h/db');
      rmSync(old, { recursive: true, force: true });
    } finally {
      process.chdir(here);
    }
    expect(config.scheduler).toMatchObject({ timezone: 'Asia/Jakarta', digest: { role: 'kabid', time: '07:30' }, escalationChain: {} });
  });

  it('reads a production setting: PostgreSQL, a Telegram webhook, Slack over HTTP, the escalation chain', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://sopbot:sandi@db:5432/sopbot',
      PORT: '9000',
      SOPBOT_OFFICE_HOURS: '08:00-16:30',
      TELEGRAM_BOT_TOKEN: '123456:ABC-def_1',
      TELEGRAM_WEBHOOK_URL: 'https://bot.example.go.id/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: 'a'.repeat(32),
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_SIGNING_SECRET: 'abcdef0123456789',
      SOPBOT_ESCALATION_CHAIN: 'asesor>subkor>kabid',
      // Empty means unset, as a compose file with `VAR:` leaves it.
      SOPBOT_FRIDAY_HOURS: '',
    });
    expect(config.databaseUrl).toBe('postgresql://sopbot:sandi@db:5432/sopbot');
    expect(config.port).toBe(9000);
    expect(config.calendar).toEqual({ officeHours: [{ start: '08:00', end: '16:30' }] });
    expect(config.telegram?.webhookUrl).toBe('https://bot.example.go.id/telegram/webhook');
    expect(config.slack?.signingSecret).toBe('abcdef0123456789');
    expect(config.scheduler.escalationChain).toEqual({ asesor: 'subkor', subkor: 'kabid' });
  });
});
