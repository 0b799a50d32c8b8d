/**
 * The service's settings, all from environment variables, checked once at start with a clear
 * Indonesian message for each bad value. See README "Konfigurasi".
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { MakeCalendarOptions, OfficeHours, RamadanPeriod } from './calendar/calendar.js';

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
  DATABASE_URL: z.string().url('DATABASE_URL harus berupa URL postgres://...').optional(),
  SOPBOT_DATA_DIR: z.string().default('./data'),
  SOPBOT_CATALOG_DIR: z.string().optional(),
  SOPBOT_FILES_DIR: z.string().optional(),
  SOPBOT_OFFICE_HOURS: hours.optional(),
  SOPBOT_FRIDAY_HOURS: hours.optional(),
  SOPBOT_RAMADAN_HOURS: ramadan.optional(),
  SOPBOT_MAX_UPLOAD_MB: z.coerce.number().positive().default(20),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  catalogDir: string | undefined;
  filesDir: string;
  calendar: Omit<MakeCalendarOptions, 'timezone'>;
  maxUploadBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Konfigurasi tidak valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
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
  };
}
