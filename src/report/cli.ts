/**
 * `sopbot report monitoring`: the monitoring form of a period written to a file. Registered on
 * the admin program by one call from src/cli/program.ts.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Core } from '../bootstrap.js';
import { periodText, REPORT_CLI } from '../messages/report.js';
import { DateTime } from 'luxon';
import { buildMonitoringReport, checkDate, monthPeriod, parseMonth, previousMonth, ReportError } from './build.js';
import { isWholeMonth } from './compute.js';
import type { ReportRule } from './model.js';

export interface ReportCommandContext {
  withCore: <T>(fn: (core: Core) => Promise<T>) => Promise<T>;
  out: (text: string) => void;
  /** Where relative output paths go; the process's folder by default. */
  cwd?: string | undefined;
  clock?: (() => Date) | undefined;
  /** Ends the command with a message for the admin (exit code 1). */
  fail: (message: string) => never;
}

const FORMATS = ['xlsx', 'pdf', 'json'] as const;
type Format = (typeof FORMATS)[number];

interface MonitoringOptions {
  sop?: string[];
  from?: string;
  to?: string;
  month?: string;
  format?: string;
  out?: string;
  force?: boolean;
  evaluator?: string;
  minOnTime?: string;
  maxReturns?: string;
}

export function registerReportCommands(program: Command, ctx: ReportCommandContext): void {
  const report = program.command('report').description(REPORT_CLI.report);
  report
    .command('monitoring')
    .description(REPORT_CLI.monitoring)
    .option('--sop <id>', REPORT_CLI.optSop, (v: string, acc: string[] = []) => [...acc, ...v.split(',')], undefined)
    .option('--from <tanggal>', REPORT_CLI.optFrom)
    .option('--to <tanggal>', REPORT_CLI.optTo)
    .option('--month <bulan>', REPORT_CLI.optMonth)
    .option('--format <format>', REPORT_CLI.optFormat)
    .option('--out <berkas>', REPORT_CLI.optOut)
    .option('--force', REPORT_CLI.optForce)
    .option('--evaluator <teks>', REPORT_CLI.optEvaluator)
    .option('--min-on-time <persen>', REPORT_CLI.optMinOnTime)
    .option('--max-returns <persen>', REPORT_CLI.optMaxReturns)
    .action((opts: MonitoringOptions) =>
      ctx.withCore(async ({ database, service, config }) => {
        try {
          const timezone = config.scheduler.timezone;
          const period = periodOf(opts, ctx.clock?.() ?? new Date(), timezone);
          const format = formatOf(opts);
          const rule: ReportRule = {
            minOnTimeShare: share(opts.minOnTime, '--min-on-time') ?? config.report.rule.minOnTimeShare,
            maxReturnShare: share(opts.maxReturns, '--max-returns') ?? config.report.rule.maxReturnShare,
          };
          // ECharts, exceljs and pdfkit load with the first report, not with every command the
          // service runs for the CLI.
          const { renderReportJson, reportFileName } = await import('./index.js');
          const target = resolve(ctx.cwd ?? process.cwd(), opts.out ?? reportFileName({ ...period, wholeMonth: isWholeMonth(period) }, format));
          // Checked before the work, and again by the exclusive write below.
          if (!opts.force && existsSync(target)) throw new ReportError('exists', { file: target });
          const model = await buildMonitoringReport(database.db, service, {
            ...period,
            timezone,
            ...(opts.sop ? { sopIds: opts.sop } : {}),
            rule,
            evaluator: opts.evaluator ?? '',
            now: ctx.clock?.() ?? new Date(),
          });
          const bytes =
            format === 'xlsx'
              ? await (await import('./xlsx.js')).renderReportXlsx(model)
              : format === 'pdf'
                ? await (await import('./pdf.js')).renderReportPdf(model)
                : renderReportJson(model);
          await writeFile(target, bytes, { flag: opts.force ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) => {
            throw e.code === 'EEXIST' ? new ReportError('exists', { file: target }) : new ReportError('unwritable', { file: target, reason: e.code ?? e.message });
          });
          if (!model.sops.length) ctx.out(REPORT_CLI.noSop);
          ctx.out(REPORT_CLI.written(target, model.sops.length, periodText(model.period.from, model.period.to, model.period.wholeMonth), bytes.length));
        } catch (e) {
          if (e instanceof ReportError) ctx.fail(e.message);
          throw e;
        }
      }),
    );
}

function periodOf(opts: MonitoringOptions, now: Date, timezone: string): { from: string; to: string } {
  if (opts.month && (opts.from || opts.to)) throw new ReportError('month_and_range', {});
  if (opts.month) {
    // The forms the chat command takes too: 2026-11, 11/2026, November 2026.
    const month = parseMonth(opts.month);
    if (!month) throw new ReportError('bad_month', { text: opts.month });
    const period = monthPeriod(month);
    if (period.from > today(now, timezone)) throw new ReportError('not_begun', { from: period.from });
    return period;
  }
  if (Boolean(opts.from) !== Boolean(opts.to)) throw new ReportError('half_range', {});
  if (opts.from && opts.to) {
    const period = { from: checkDate(opts.from), to: checkDate(opts.to) };
    if (period.to < period.from) throw new ReportError('bad_range', period);
    if (period.from > today(now, timezone)) throw new ReportError('not_begun', { from: period.from });
    return period;
  }
  return previousMonth(now, timezone);
}

function today(now: Date, timezone: string): string {
  return DateTime.fromJSDate(now, { zone: timezone }).toISODate()!;
}

function formatOf(opts: MonitoringOptions): Format {
  const raw = (opts.format ?? (opts.out ? extname(opts.out).slice(1) : '') ?? '').toLowerCase() || 'xlsx';
  if (!(FORMATS as readonly string[]).includes(raw)) throw new ReportError('bad_format', { format: opts.format ?? raw });
  return raw as Format;
}

/** "80" or "80%" → 0.8. */
function share(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim().replace(/%$/, '').replace(',', '.'));
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new ReportError('bad_share', { option, text });
  return n / 100;
}
