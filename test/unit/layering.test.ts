/**
 * The architecture, read from the imports: the folders of src/ depend on each other one way
 * only (no cycle, type-only imports included), and the pure workflow core reaches nothing but
 * the SOP definitions and the calendar: no database, no chat, no words.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

/** A file's part of the architecture: its top folder under src/, or the root file itself. */
function partOf(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
}

/** Every relative module a file imports, type-only ones and dynamic import() included. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g)];
  return found.map((m) => resolve(dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, '.ts')));
}

const graph = new Map<string, Set<string>>();
const edges: { from: string; to: string; file: string }[] = [];
for (const file of files(SRC)) {
  const from = partOf(file);
  if (!graph.has(from)) graph.set(from, new Set());
  for (const target of importsOf(file)) {
    if (!target.startsWith(SRC)) continue;
    const to = partOf(target);
    if (to === from) continue;
    graph.get(from)!.add(to);
    edges.push({ from, to, file: relative(SRC, file) });
  }
}

/** Strongly connected parts with more than one member: each is a cycle between folders. */
function cycles(): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1) found.push(part.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

describe('the layers of src/', () => {
  it('import each other one way only: no cycle between folders', () => {
    const found = cycles();
    const explain = found.map((part) =>
      edges
        .filter((e) => part.includes(e.from) && part.includes(e.to))
        .map((e) => `${e.from} → ${e.to} (${e.file})`)
        .join('\n'),
    );
    expect(explain).toEqual([]);
  });

  it('the pure core (workflow/) imports only sop/ and calendar/', () => {
    const reached = edges.filter((e) => e.from === 'workflow').map((e) => `${e.to} (${e.file})`);
    expect(reached.filter((r) => !/^(sop|calendar) /.test(r))).toEqual([]);
    // And nothing of Node's or any package's I/O: only its own types and values.
    for (const file of files(join(SRC, 'workflow'))) {
      const packages = [...readFileSync(file, 'utf8').matchAll(/from\s+'([^.'][^']*)'/g)].map((m) => m[1]);
      expect(packages, relative(SRC, file)).toEqual([]);
    }
  });

  it('finds the edges it checks (the reader of imports works)', () => {
    expect(graph.get('workflow')?.has('sop')).toBe(true);
    expect(graph.get('channels')?.size).toBeGreaterThan(2);
  });
});
