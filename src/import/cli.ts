/**
 * `sopbot sop import FILE [--out catalog/ID.yaml] [--id ID --code CODE] [--force]`: the
 * document to drafts on disk, the questions, and the validator's verdict on each draft.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { IMPORT as M } from '../messages/import.js';
import { catalogDir, loadCatalog, parseDefinition } from '../sop/loader.js';
import { ImportError } from './errors.js';
import type { ImportedDraft } from './import.js';

export interface ImportCliContext {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where relative paths are resolved; the process's folder by default. */
  cwd?: string;
  /** Ends the command with a message and exit code 1 (runCli's CliError). */
  fail: (message: string) => never;
}

interface ImportFlags {
  out?: string;
  id?: string;
  code?: string;
  force?: boolean;
}

export function registerImportCommands(sop: Command, ctx: ImportCliContext): void {
  sop
    .command('import')
    .description(M.cli.description)
    .argument('<file>')
    .option('--out <path>', M.cli.optOut)
    .option('--id <id>', M.cli.optId)
    .option('--code <code>', M.cli.optCode)
    .option('--force', M.cli.optForce)
    .action((file: string, flags: ImportFlags) => runImport(file, flags, ctx));
}

async function runImport(file: string, flags: ImportFlags, ctx: ImportCliContext): Promise<void> {
  const cwd = ctx.cwd ?? process.cwd();
  const source = resolve(cwd, file);
  const fail = (e: ImportError) => ctx.fail(M.error[e.code]({ ...e.data, file }));
  // The readers (Word, HTML) load with the first import, not with every command the service runs for the CLI.
  const { importDocument, MAX_IMPORT_BYTES } = await import('./import.js');

  // Refused before it is read: a 50 MB upload never reaches memory.
  const info = await stat(source).catch((e: NodeJS.ErrnoException) => ctx.fail(M.cli.unreadable(file, e.code ?? e.message)));
  if (!info.isFile()) ctx.fail(M.cli.unreadable(file, 'bukan berkas'));
  if (info.size > MAX_IMPORT_BYTES) fail(new ImportError('too_large', { sizeBytes: info.size, limitBytes: MAX_IMPORT_BYTES }));
  const bytes = await readFile(source).catch((e: NodeJS.ErrnoException) => ctx.fail(M.cli.unreadable(file, e.code ?? e.message)));

  const catalog = ctx.env.SOPBOT_CATALOG_DIR ? resolve(cwd, ctx.env.SOPBOT_CATALOG_DIR) : catalogDir();
  const existing = await loadCatalog(catalog);
  let drafts: ImportedDraft[];
  try {
    drafts = importDocument(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      file,
      ...(flags.id ? { id: flags.id } : {}),
      ...(flags.code ? { code: flags.code } : {}),
      takenIds: new Set(existing.definitions.map((d) => d.definition.id)),
      takenCodes: new Set(existing.definitions.map((d) => d.definition.code)),
      existing: existing.definitions.map((d) => ({ id: d.definition.id, code: d.definition.code, nomor: d.definition.identity.nomor })),
    });
  } catch (e) {
    if (e instanceof ImportError) fail(e);
    throw e;
  }

  // Where each draft goes; every target is checked before the first is written.
  let targets: string[];
  // --out names a folder when it ends with a slash or is one already: the draft goes in it as ID.yaml.
  const outIsFolder = flags.out !== undefined && (/[\\/]$/.test(flags.out) || (await stat(resolve(cwd, flags.out)).then((s) => s.isDirectory(), () => false)));
  if (drafts.length === 1) {
    const out = flags.out ? resolve(cwd, flags.out) : undefined;
    targets = [out && !outIsFolder ? out : join(out ?? catalog, `${drafts[0]!.id}.yaml`)];
  } else {
    const dir = flags.out ? resolve(cwd, flags.out) : catalog;
    const isFile = await stat(dir).then((s) => s.isFile(), () => /\.ya?ml$/i.test(dir));
    if (isFile) ctx.fail(M.cli.outMustBeFolder(flags.out ?? dir));
    ctx.out(M.cli.several(drafts.length, dir));
    if (flags.id || flags.code) ctx.out(M.cli.idWithSeveral);
    targets = drafts.map((d) => join(dir, `${d.id}.yaml`));
  }
  if (!flags.force) {
    for (const target of targets) {
      if (await stat(target).then(() => true, () => false)) ctx.fail(M.cli.exists(target));
    }
  }

  let invalid = 0;
  for (const [k, draft] of drafts.entries()) {
    const target = targets[k]!;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, draft.yaml, { flag: flags.force ? 'w' : 'wx' }).catch((e: NodeJS.ErrnoException) =>
      ctx.fail(e.code === 'EEXIST' ? M.cli.exists(target) : M.cli.unwritable(target, e.code ?? e.message)),
    );
    const roles = (draft.definition.roles as unknown[]).length;
    const steps = (draft.definition.steps as unknown[]).length;
    ctx.out(M.cli.written(target, draft.id, steps, roles));
    ctx.out(M.cli.questionsHeader(draft.questions.length));
    draft.questions.forEach((q, n) => ctx.out(M.cli.question(n + 1, q.step, q.text)));
    // The same check `sopbot sop validate` makes, on the text as written to disk.
    const verdict = parseDefinition(draft.yaml, target);
    if (verdict.ok) ctx.out(M.cli.valid(target));
    else {
      invalid++;
      for (const e of verdict.errors) ctx.err(e.message);
      ctx.out(M.cli.invalid(target, verdict.errors.length));
    }
  }
  if (invalid > 0) ctx.fail(M.cli.someInvalid(invalid, drafts.length));
}
