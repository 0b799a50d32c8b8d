/**
 * Reads SOP definitions from YAML: syntax (yaml), shape (zod, definition.ts), cross-field
 * rules (validate.ts). Every problem becomes a DefinitionError that points into the file,
 * so the person who edits the catalog can fix all mistakes of a file in one go.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { sopDefinitionSchema, type SopDefinition } from './definition.js';
import { validateDefinition } from './validate.js';
import { installFolder } from '../install-folder.js';

export type DefinitionPath = (string | number)[];

/** One problem in one definition file; the message reads `<file>: <where>: <what is wrong>`. */
export class DefinitionError extends Error {
  readonly file: string;
  /** Where in the parsed document (empty for a syntax error, which has only a line). */
  readonly path: DefinitionPath;
  /** What is wrong, without the file and the place. */
  readonly detail: string;
  /** 1-based position in the file, when the place could be found. */
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(args: {
    file: string;
    path?: DefinitionPath;
    detail: string;
    line?: number;
    column?: number;
    /** Overrides the path in the message: `12:3` for a syntax error, `(folder)` for a folder. */
    where?: string;
  }) {
    const path = args.path ?? [];
    super(`${args.file}: ${args.where ?? formatPath(path)}: ${args.detail}`);
    this.name = 'DefinitionError';
    this.file = args.file;
    this.path = path;
    this.detail = args.detail;
    this.line = args.line;
    this.column = args.column;
  }
}

export interface LoadedDefinition {
  ok: true;
  file: string;
  definition: SopDefinition;
  /** sha256 of the canonical JSON of the definition: the version key of an SOP. */
  contentHash: string;
}

export interface DefinitionFailure {
  ok: false;
  file: string;
  errors: DefinitionError[];
}

export type LoadResult = LoadedDefinition | DefinitionFailure;
export type CatalogFailure = DefinitionFailure;

export interface Catalog {
  definitions: LoadedDefinition[];
  failures: CatalogFailure[];
}

/** `steps[3].next`; the root of the document is `(dokumen)`. */
export function formatPath(path: DefinitionPath): string {
  if (path.length === 0) return '(dokumen)';
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

export function parseDefinition(yamlText: string, fileName: string): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return { ok: false, file: fileName, errors: syntaxErrors(fileName, doc.errors, lineCounter) };
  }

  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (e) {
    // Parsing accepts every alias; only resolving them can fail (no anchor, or an alias bomb).
    return { ok: false, file: fileName, errors: [aliasError(fileName, yamlText, e, lineCounter)] };
  }
  const locate = (path: DefinitionPath) => {
    // A missing key has no node; point at the nearest enclosing one instead.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return {};
  };
  const fail = (problems: { path: DefinitionPath; message: string }[]): DefinitionFailure => ({
    ok: false,
    file: fileName,
    errors: problems.map((p) => new DefinitionError({ file: fileName, path: p.path, detail: p.message, ...locate(p.path) })),
  });

  if (raw === null || raw === undefined) {
    return fail([{ path: [], message: 'berkas kosong; tulis definisi SOP (id, code, identity, roles, steps)' }]);
  }

  const parsed = sopDefinitionSchema.safeParse(raw, { error: indonesian });
  if (!parsed.success) {
    const problems = flattenIssues(parsed.error.issues, [], raw);
    return fail(problems.map((p) => ({ path: p.path, message: withStepId(raw, p.path, p.message) })));
  }

  const problems = validateDefinition(parsed.data);
  if (problems.length > 0) return fail(problems);

  return { ok: true, file: fileName, definition: parsed.data, contentHash: contentHash(parsed.data) };
}

export async function loadDefinitionFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const error = new DefinitionError({ file: path, where: '(berkas)', detail: `berkas tidak dapat dibaca (${errorCode(e)})` });
    return { ok: false, file: path, errors: [error] };
  }
  return parseDefinition(text, path);
}

/**
 * Every *.yaml / *.yml of a folder, in name order. A bad file is reported and skipped; an
 * SOP id or case code already taken by an earlier file makes the later file a failure, since
 * two definitions of one SOP (or one reference prefix for two SOPs) cannot both be live.
 */
export async function loadCatalog(dir: string): Promise<Catalog> {
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    names = entries
      .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (e) {
    const error = new DefinitionError({ file: dir, where: '(folder)', detail: `folder katalog tidak dapat dibaca (${errorCode(e)})` });
    return { definitions: [], failures: [{ ok: false, file: dir, errors: [error] }] };
  }

  const definitions: LoadedDefinition[] = [];
  const failures: CatalogFailure[] = [];
  for (const name of names) {
    const result = await loadDefinitionFile(join(dir, name));
    if (!result.ok) {
      failures.push(result);
      continue;
    }
    const { definition, file } = result;
    const errors: DefinitionError[] = [];
    const sameId = definitions.find((d) => d.definition.id === definition.id);
    if (sameId) {
      errors.push(new DefinitionError({ file, path: ['id'], detail: `SOP "${definition.id}" sudah dimuat dari ${sameId.file}` }));
    }
    const sameCode = definitions.find((d) => d.definition.code === definition.code);
    if (sameCode) {
      errors.push(
        new DefinitionError({
          file,
          path: ['code'],
          detail: `kode "${definition.code}" sudah dipakai SOP "${sameCode.definition.id}" (${sameCode.file})`,
        }),
      );
    }
    if (errors.length > 0) failures.push({ ok: false, file, errors });
    else definitions.push(result);
  }
  return { definitions, failures };
}

/** `<project root>/catalog`, or `SOPBOT_CATALOG_DIR` when set. */
export function catalogDir(): string {
  const fromEnv = process.env.SOPBOT_CATALOG_DIR;
  if (fromEnv) return resolve(fromEnv);
  return join(installFolder(), 'catalog');
}

export function contentHash(definition: SopDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

// ---------------------------------------------------------------------------------------
// YAML syntax errors

// The yaml package's codes are coarse (MISSING_CHAR covers a lost quote and a lost "-"),
// so its message decides first and the code is the fallback.
const YAML_MESSAGE_TEXT: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Missing closing .?quote/, () => 'tanda kutip penutup hilang'],
  [/^Sequence item without - indicator/, () => 'butir daftar tanpa tanda "-", atau indentasinya salah'],
  [/^Flow sequence .*end with a \]/, () => 'daftar "[ ]" tidak ditutup dengan "]", atau indentasinya kurang'],
  [/^Flow mapping .*end with a \}/, () => 'objek "{ }" tidak ditutup dengan "}", atau indentasinya kurang'],
  [
    /^Nested mappings are not allowed in compact mappings/,
    () => 'objek bersarang tidak boleh di sini (ada ":" kedua di satu baris, atau sebuah nilai diikuti baris yang menjorok)',
  ],
  [/^All (mapping|sequence) items must start at the same column/, () => 'semua isian harus mulai di kolom yang sama'],
  [/^Implicit keys need to be on a single line/, () => 'kunci harus ditulis dalam satu baris; mungkin indentasinya salah'],
  [/^Map keys must be unique/, () => 'kunci ditulis dua kali di objek yang sama'],
  [
    /^Plain value cannot start with reserved character (.)/,
    (m) => `nilai tidak boleh diawali "${m[1]}"; apit dengan tanda kutip`,
  ],
  [/^Source contains multiple documents/, () => 'satu berkas hanya boleh berisi satu definisi SOP (hapus "---" kedua)'],
  [/^Tabs are not allowed as indentation/i, () => 'tab tidak boleh dipakai untuk indentasi; pakai spasi'],
];

const YAML_CODE_TEXT: Record<string, string> = {
  DUPLICATE_KEY: 'kunci ditulis dua kali di objek yang sama',
  BAD_INDENT: 'indentasi tidak sesuai',
  TAB_AS_INDENT: 'tab tidak boleh dipakai untuk indentasi; pakai spasi',
  MULTIPLE_DOCS: 'satu berkas hanya boleh berisi satu definisi SOP (hapus "---" kedua)',
  BAD_SCALAR_START: 'nilai tidak boleh diawali tanda ini; apit dengan tanda kutip',
  BAD_DQ_ESCAPE: 'escape tidak valid di dalam tanda kutip ganda',
};

/** An alias (*name) that cannot be resolved: no anchor (&name) before it, or so many that they would exhaust memory. */
function aliasError(file: string, text: string, e: unknown, lineCounter: LineCounter): DefinitionError {
  const message = e instanceof Error ? e.message : String(e);
  const unresolved = /^Unresolved alias[^:]*: (.+)$/.exec(message);
  if (unresolved) {
    const name = unresolved[1]!;
    const at = text.indexOf(`*${name}`);
    const pos = at >= 0 ? lineCounter.linePos(at) : undefined;
    const detail = `sintaks YAML tidak valid: alias "*${name}" dipakai tanpa anchor "&${name}" sebelumnya`;
    return new DefinitionError({ file, detail, ...(pos ? { line: pos.line, column: pos.col, where: `${pos.line}:${pos.col}` } : {}) });
  }
  if (/alias count/i.test(message)) {
    return new DefinitionError({ file, detail: 'sintaks YAML tidak valid: alias (*...) terlalu banyak dan berlipat ganda; berkas ditolak agar memori tidak habis' });
  }
  return new DefinitionError({ file, detail: `sintaks YAML tidak valid: ${message}` });
}

function syntaxErrors(file: string, errors: readonly YAMLError[], lineCounter: LineCounter): DefinitionError[] {
  // One slip usually yields a cascade (the same complaint on each following line, or
  // several complaints on one line); the first of each says it best.
  const seenLines = new Set<number>();
  const seenDetails = new Set<string>();
  const out: DefinitionError[] = [];
  for (const e of errors) {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    const english = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const known = YAML_MESSAGE_TEXT.map(([re, text]) => {
      const m = re.exec(english);
      return m ? text(m) : undefined;
    }).find((t) => t !== undefined);
    const detail = `sintaks YAML tidak valid: ${known ?? YAML_CODE_TEXT[e.code] ?? english}`;
    if (seenLines.has(pos.line) || seenDetails.has(detail)) continue;
    seenLines.add(pos.line);
    seenDetails.add(detail);
    out.push(new DefinitionError({ file, detail, line: pos.line, column: pos.col, where: `${pos.line}:${pos.col}` }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// zod issues, in Indonesian

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

const TYPE_NAME: Record<string, string> = {
  string: 'teks',
  number: 'angka',
  int: 'bilangan bulat',
  boolean: 'true atau false',
  object: 'objek (kunci: nilai)',
  array: 'daftar',
  date: 'tanggal',
  null: 'kosong',
  undefined: 'kosong',
};

function typeOf(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (input instanceof Date) return 'date';
  return typeof input;
}

const typeName = (t: string) => TYPE_NAME[t] ?? t;

/**
 * Default texts for the issues zod raises itself; a message written in definition.ts wins
 * over this (zod's own precedence), so the schema keeps the last word on its rules.
 */
function indonesian(issue: RawIssue | Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'wajib diisi';
      return `harus berupa ${typeName(issue.expected)}, bukan ${typeName(typeOf(issue.input))}`;
    }
    case 'invalid_value':
      return `harus salah satu dari: ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'array') return `butuh paling sedikit ${issue.minimum} isian`;
      if (issue.origin === 'string') return `paling sedikit ${issue.minimum} karakter`;
      return issue.inclusive ? `harus ${issue.minimum} atau lebih` : `harus lebih besar dari ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'array') return `paling banyak ${issue.maximum} isian`;
      if (issue.origin === 'string') return `paling banyak ${issue.maximum} karakter`;
      return issue.inclusive ? `harus ${issue.maximum} atau kurang` : `harus kurang dari ${issue.maximum}`;
    case 'invalid_format':
      return 'format tidak sesuai';
    case 'unrecognized_keys':
      return `kolom tidak dikenal: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return 'nilai tidak sesuai bentuk yang diizinkan';
    default:
      return undefined;
  }
}

// The per-parse error map does not reach the issues nested inside a union; those keep zod's
// English defaults, which this recognises so they can be translated like the rest.
const ZOD_DEFAULT_TEXT = /^(Invalid|Too (small|big)|Unrecognized key)/;

function flattenIssues(
  issues: readonly Issue[],
  prefix: DefinitionPath,
  raw: unknown,
): { path: DefinitionPath; message: string }[] {
  const out: { path: DefinitionPath; message: string }[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as DefinitionPath)];
    if (issue.code === 'invalid_union') {
      out.push(...flattenUnion(issue.errors, path, raw));
    } else if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const hint = suggestKey(path, key);
        out.push({ path: [...path, key], message: `kolom tidak dikenal${hint ? `; maksudnya "${hint}"?` : ''}` });
      }
    } else {
      const translate = () => indonesian({ ...issue, input: valueAt(raw, path) } as Issue) ?? issue.message;
      const message = ZOD_DEFAULT_TEXT.test(issue.message) ? translate() : issue.message;
      out.push({ path, message });
    }
  }
  return out;
}

/**
 * A union failed (a step id that is neither text nor number, an output that is neither a
 * name nor {name, document}). Report the alternative the author evidently meant: the one
 * that got past the type check. If none did, say which types are accepted.
 */
function flattenUnion(alternatives: Issue[][], path: DefinitionPath, raw: unknown) {
  const wrongType = (alt: Issue[]) => alt.length === 1 && alt[0]!.code === 'invalid_type' && alt[0]!.path.length === 0;
  const meant = alternatives.filter((alt) => !wrongType(alt)).sort((a, b) => a.length - b.length)[0];
  if (meant) return flattenIssues(meant, path, raw);
  const expected = alternatives.map((alt) => typeName((alt[0] as z.core.$ZodIssueInvalidType).expected));
  const input = valueAt(raw, path);
  const received = input === undefined ? '' : `, bukan ${typeName(typeOf(input))}`;
  return [{ path, message: `harus berupa ${expected.join(' atau ')}${received}` }];
}

/** zod leaves the input out of issues nested in a union; the document still has it. */
function valueAt(raw: unknown, path: DefinitionPath): unknown {
  return path.reduce<unknown>((v, seg) => (v as Record<string | number, unknown> | null | undefined)?.[seg], raw);
}

/** Problems inside a step name it, as validate.ts does, so the author finds the row at once. */
function withStepId(raw: unknown, path: DefinitionPath, message: string): string {
  if (path[0] !== 'steps' || typeof path[1] !== 'number') return message;
  const step = (raw as { steps?: unknown }).steps;
  const id = Array.isArray(step) ? (step[path[1]] as { id?: unknown } | undefined)?.id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? `langkah "${id}": ${message}` : message;
}

// ---------------------------------------------------------------------------------------
// "did you mean": the keys the schema allows at the place of an unknown key

/** The few parts of zod's schema internals this walk reads. */
interface SchemaLike {
  _zod: {
    def: {
      type: string;
      shape?: Record<string, SchemaLike>;
      innerType?: SchemaLike;
      element?: SchemaLike;
      options?: SchemaLike[];
      in?: SchemaLike;
      out?: SchemaLike;
    };
  };
}

function objectsAt(schema: SchemaLike, path: DefinitionPath): SchemaLike[] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
      return objectsAt(def.innerType!, path);
    case 'pipe':
      return [...objectsAt(def.in!, path), ...objectsAt(def.out!, path)];
    case 'union':
      return def.options!.flatMap((o) => objectsAt(o, path));
    case 'array':
      return typeof path[0] === 'number' ? objectsAt(def.element!, path.slice(1)) : [];
    case 'object': {
      if (path.length === 0) return [schema];
      const child = typeof path[0] === 'string' ? def.shape![path[0]] : undefined;
      return child ? objectsAt(child, path.slice(1)) : [];
    }
    default:
      return [];
  }
}

function suggestKey(path: DefinitionPath, key: string): string | undefined {
  const objects = objectsAt(sopDefinitionSchema as unknown as SchemaLike, path);
  const known = new Set(objects.flatMap((o) => Object.keys(o._zod.def.shape ?? {})));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}
