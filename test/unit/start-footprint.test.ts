/**
 * What the service carries from its start (issue 14: the embedded default within 250 MB idle).
 * The document makers (ECharts, resvg, fontkit, pdfkit, exceljs, the Word and HTML readers) cost
 * tens of MB once loaded and are never given back, so they load with the first file that needs
 * them. This walks the static imports, type-only ones left out, from the service's entry and from
 * the CLI program (which the service runs in its own process for `npx sopbot` on the embedded
 * database), and names any heavy package reached before a file is made.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const HEAVY = ['echarts', '@resvg/resvg-js', 'fontkit', 'pdfkit', 'exceljs', '@xmldom/xmldom', 'htmlparser2', 'fflate', '@slack/bolt', 'telegraf'];

/** Static value imports of a file: relative files and bare packages. `import type` and import() are not loaded at start. */
function staticImports(file: string): { files: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(import|export)\s+(?!type\b)([^'";]*?)\s*from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g)]
    // `import { type A, type B } from` loads nothing either.
    .filter((m) => m[4] !== undefined || !/^\{\s*(type\s+\w+\s*(as\s+\w+\s*)?,?\s*)+\}$/.test(m[2] ?? ''))
    .map((m) => (m[3] ?? m[4])!);
  return {
    files: specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts'))),
    packages: specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!)),
  };
}

/** Each heavy package reached from `entry`, with the chain of files that reaches it. */
function heavyReachedFrom(entry: string): string[] {
  const seen = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  const found: string[] = [];
  while (queue.length) {
    const file = queue.shift()!;
    if (!existsSync(file)) continue;
    const { files, packages } = staticImports(file);
    for (const p of packages.filter((p) => HEAVY.includes(p))) {
      const chain: string[] = [];
      for (let f: string | null = file; f; f = seen.get(f) ?? null) chain.unshift(relative(SRC, f));
      found.push(`${p} ← ${chain.join(' → ')}`);
    }
    for (const next of files.filter((f) => !seen.has(f))) {
      seen.set(next, file);
      queue.push(next);
    }
  }
  return found;
}

describe('at start the service loads', () => {
  it('no document maker and no chat library, only what runs cases', () => {
    expect(heavyReachedFrom(resolve(SRC, 'main.ts'))).toEqual([]);
  });

  it('nor does a CLI command the service runs for an admin, until that command makes a file', () => {
    expect(heavyReachedFrom(resolve(SRC, 'cli/program.ts'))).toEqual([]);
  });

  it('while the file makers themselves do reach them (the walk sees through imports)', () => {
    expect(heavyReachedFrom(resolve(SRC, 'report/pdf.ts')).some((line) => line.startsWith('pdfkit'))).toBe(true);
    expect(heavyReachedFrom(resolve(SRC, 'report/charts.ts')).some((line) => line.startsWith('echarts'))).toBe(true);
  });
});
