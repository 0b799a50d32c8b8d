/**
 * `sopbot sop render` and `sopbot case render`: the formal SOP sheet (and a case on it) as
 * files, and the sheet an admin checks beside a definition with `sop validate --sheet`.
 * Registered on the program by one call, so the command's own file stays about the workflow.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Core } from '../bootstrap.js';
import { SHEET } from '../messages/sheet.js';
import type { SopDefinition } from '../sop/definition.js';
import { loadDefinitionFile } from '../sop/loader.js';
import { caseViewOf } from '../sheet/case-view.js';
import { PAPERS, SHEET_FORMATS, type Paper, type SheetFormat } from '../sheet/model.js';
import type { RenderedSheet } from '../sheet/render.js';

/** The renderers (fonts, resvg, pdfkit) load with the first sheet, not with every command: the
 * service runs the CLI's commands in its own process, and a `holiday add` should not leave them there. */
const renderers = () => import('../sheet/render.js');

export interface SheetCommandContext {
  out: (text: string) => void;
  /** Opens the service's core once (database, catalog) and runs `fn` with it. */
  withCore: <T>(fn: (core: Core) => Promise<T>) => Promise<T>;
  /** Where relative paths are taken from. */
  cwd: string;
  now: () => Date;
  /** Ends the command with a message for the admin and exit code 1. */
  fail: (message: string) => never;
}

interface RenderOpts {
  format?: string;
  paper?: string;
  out?: string;
  force?: boolean;
}

export function registerSheetCommands(program: Command, ctx: SheetCommandContext): void {
  const sop = program.commands.find((c) => c.name() === 'sop') ?? program.command('sop');
  const kasus = program.commands.find((c) => c.name() === 'case') ?? program.command('case');
  const withRenderOptions = (c: Command) =>
    c
      .option('--format <format>', SHEET.cli.optFormat)
      .option('--paper <kertas>', SHEET.cli.optPaper)
      .option('--out <file>', SHEET.cli.optOut)
      .option('--force', SHEET.cli.optForce);

  withRenderOptions(sop.command('render').description(SHEET.cli.render).argument('<id>', 'id SOP di katalog, atau berkas definisi .yaml')).action(
    async (id: string, opts: RenderOpts) => {
      const { format, paper } = renderChoices(opts, ctx);
      // A definition file renders without the database: an admin drawing a draft.
      const def = /\.ya?ml$/i.test(id) && existsSync(resolve(ctx.cwd, id)) ? await definitionFromFile(resolve(ctx.cwd, id), ctx) : await ctx.withCore(async ({ service }) => service.sop(id).definition);
      const sheet = await (await renderers()).renderSopSheet(def, { format, paper, createdAt: ctx.now() });
      await writeSheet(sheet, opts, ctx);
    },
  );

  withRenderOptions(kasus.command('render').description(SHEET.cli.caseRender).argument('<ref>')).action((ref: string, opts: RenderOpts) =>
    ctx.withCore(async ({ service }) => {
      const { format, paper } = renderChoices(opts, ctx);
      const details = await service.caseDetails(ref);
      const sheet = await (await renderers()).renderCaseSheet(details.definition, caseViewOf(details, ctx.now()), { format, paper, createdAt: ctx.now() });
      await writeSheet(sheet, opts, ctx);
    }),
  );
}

function renderChoices(opts: RenderOpts, ctx: SheetCommandContext): { format: SheetFormat; paper: Paper } {
  const fromOut = opts.out ? extname(opts.out).slice(1).toLowerCase() : '';
  const format = (opts.format ?? (SHEET_FORMATS.includes(fromOut as SheetFormat) ? fromOut : 'pdf')).toLowerCase();
  if (!SHEET_FORMATS.includes(format as SheetFormat)) ctx.fail(SHEET.cli.badFormat(opts.format ?? format));
  const paper = (opts.paper ?? 'a4').toLowerCase();
  if (!PAPERS.includes(paper as Paper)) ctx.fail(SHEET.cli.badPaper(opts.paper ?? paper));
  return { format: format as SheetFormat, paper: paper as Paper };
}

async function definitionFromFile(file: string, ctx: SheetCommandContext): Promise<SopDefinition> {
  const result = await loadDefinitionFile(file);
  if (!result.ok) ctx.fail(result.errors.map((e) => e.message).join('\n'));
  return result.definition;
}

/**
 * Where each file goes: `--out` or the suggested name, in the current folder; several pages
 * (SVG, PNG) as NAME-1.ext, NAME-2.ext. Nothing is written if any target exists (without --force).
 */
function targets(sheet: RenderedSheet, opts: RenderOpts, cwd: string): string[] {
  if (!opts.out) return sheet.files.map((f) => resolve(cwd, f.name));
  const out = resolve(cwd, opts.out);
  if (sheet.files.length === 1) return [out];
  const ext = extname(out) || `.${sheet.format}`;
  const stem = extname(out) ? out.slice(0, -ext.length) : out;
  return sheet.files.map((_, i) => `${stem}-${i + 1}${ext}`);
}

async function writeSheet(sheet: RenderedSheet, opts: RenderOpts, ctx: SheetCommandContext) {
  const paths = targets(sheet, opts, ctx.cwd);
  if (!opts.force) {
    const existing = paths.filter((p) => existsSync(p));
    if (existing.length) ctx.fail(SHEET.cli.exists(existing));
  }
  for (const [i, path] of paths.entries()) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, sheet.files[i]!.data, { flag: opts.force ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) =>
      ctx.fail(e.code === 'EEXIST' ? SHEET.cli.exists([path]) : SHEET.cli.unwritable(path, e.code ?? e.message)),
    );
  }
  ctx.out(SHEET.cli.written(paths.map((path, i) => ({ path, bytes: sheet.files[i]!.data.length })), sheet.pages));
}

/**
 * `sop validate FILE --sheet [FOLDER]`: the sheet of a valid definition as PDF, beside its file
 * (or in FOLDER) as NAME.lembar-sop.pdf. That name is the command's own, so it is rewritten on
 * every run, and never a PDF the admin keeps beside the YAML (such as the scanned original).
 */
export async function writeValidationSheet(file: string, def: SopDefinition, folder: string | true, ctx: Pick<SheetCommandContext, 'cwd' | 'now' | 'fail'>): Promise<string> {
  const source = resolve(ctx.cwd, file);
  const dir = folder === true ? dirname(source) : resolve(ctx.cwd, folder);
  const target = join(dir, `${basename(source, extname(source))}.lembar-sop.pdf`);
  const sheet = await (await renderers()).renderSopSheet(def, { format: 'pdf', createdAt: ctx.now() });
  const data = sheet.files[0]!.data;
  await mkdir(dir, { recursive: true });
  await writeFile(target, data).catch((e: NodeJS.ErrnoException) => ctx.fail(SHEET.cli.unwritable(target, e.code ?? e.message)));
  return SHEET.cli.sheetWritten(target, data.length);
}
