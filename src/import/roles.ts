/**
 * Finding a Pelaksana in a sentence ("Kasi Penilaian berkoordinasi", "oleh assessor 1:3",
 * "dikembalikan ke subkoor") and ranking Pelaksana by seniority, for reading a row's role
 * from its text when the swimlane mark is lost.
 */
import type { RawRole } from './extract.js';

/** Lowercase letters and digits only, doubled letters collapsed: "assessor" and "Asesor" meet, so do "subkoor" and "Subkor". */
export function normWord(word: string): string {
  return word
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '')
    .replace(/(\p{L})\1+/gu, '$1');
}

export function words(text: string): string[] {
  return text
    .split(/[\s/,;:()"'“”.]+/)
    .map(normWord)
    .filter((w) => w !== '');
}

/** Words that name no one in particular: "Kepala" alone could be any head. */
const GENERIC = new Set(['kepala', 'ka', 'staf', 'tenaga', 'jf', 'bidang', 'unit', 'balai', 'badan', 'upt', 'tu', 'pelaksana', 'penilaian', 'kompetensi', 'komp', 'asn', 'sdm', 'dan', 'pusat', 'seksi', 'sub', 'bagian']);

export interface Mention {
  role: number;
  /** Word index in the text where the name starts. */
  at: number;
  /** How much of the name matched: "full", its first words, or one distinctive word. */
  how: 'full' | 'prefix' | 'word';
}

export class RoleMatcher {
  private readonly names: string[][][];

  constructor(readonly roles: RawRole[]) {
    this.names = roles.map((r) => [...new Set([r.name, ...r.variants])].map(words));
  }

  /** Every Pelaksana named in the text, in order of appearance, the longest match at each place. */
  mentions(text: string): Mention[] {
    const t = words(text);
    const found: Mention[] = [];
    this.names.forEach((variants, role) => {
      for (const name of variants) {
        for (let k = name.length; k >= 1; k--) {
          const prefix = name.slice(0, k);
          if (k < name.length && !this.unique(prefix, role)) continue;
          if (k === 1 && name.length > 1 && (GENERIC.has(prefix[0]!) || prefix[0]!.length < 4)) continue;
          const at = indexOfSeq(t, prefix);
          if (at >= 0) {
            found.push({ role, at, how: k === name.length ? 'full' : 'prefix' });
            return;
          }
        }
      }
    });
    return found.sort((a, b) => a.at - b.at || (a.how === 'full' ? -1 : 1));
  }

  /** The Pelaksana whose name begins at word `at` of the text, or a role holding that one distinctive word. */
  at(text: string, at: number): number | undefined {
    const exact = this.mentions(text).find((m) => m.at === at);
    if (exact) return exact.role;
    const word = words(text)[at];
    if (word === undefined || GENERIC.has(word)) return undefined;
    const holders = this.names.map((vs, role) => (vs.some((v) => v.includes(word)) ? role : -1)).filter((r) => r >= 0);
    return holders.length === 1 ? holders[0] : undefined;
  }

  /** A role whose distinctive word begins like one of the text's first words ("Persiapan Administrasi" → Staf Admin). */
  byStem(text: string, firstWords = 3): number | undefined {
    const t = words(text).slice(0, firstWords);
    const hits = new Set<number>();
    this.names.forEach((variants, role) => {
      for (const name of variants) {
        for (const w of name) {
          if (GENERIC.has(w) || w.length < 4) continue;
          if (!this.distinctive(w, role)) continue;
          if (t.some((x) => x.length >= 4 && (x.startsWith(w) || w.startsWith(x) || commonPrefix(x, w) >= 4))) hits.add(role);
        }
      }
    });
    return hits.size === 1 ? [...hits][0] : undefined;
  }

  private unique(prefix: string[], role: number): boolean {
    return this.names.every((vs, r) => r === role || !vs.some((v) => prefix.every((w, i) => v[i] === w)));
  }

  private distinctive(word: string, role: number): boolean {
    return this.names.every((vs, r) => r === role || !vs.some((v) => v.includes(word)));
  }
}

function indexOfSeq(haystack: string[], needle: string[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Seniority of a Pelaksana by its title, for "the next check up the line" and "who signs":
 * 0 outside the unit (Pemohon, stakeholder), 1 staff ... 9 the regional head.
 */
export function rank(name: string): number {
  const n = name.toLowerCase();
  if (/walikota|wali kota|bupati|gubernur|menteri/.test(n)) return 9;
  if (/sekda|sekretaris daerah/.test(n)) return 8;
  if (/^(kepala|ka\.?)\s+(badan|dinas|bkd|bpsdm|bkpsdm|pusat|kantor)|^kaban|kepala bkd/.test(n)) return 7;
  if (/sekretaris/.test(n)) return 6;
  if (/kabid|kelbid|kepala bidang|kepala balai|ka\.?\s*upt|kepala upt|kapus|ka\.?\s*unit|kepala unit/.test(n)) return 5;
  if (/kasi|kasie|kasubbid|kasubag|subkor|sub koordinator|koordinator|ka\.?\s*tu|madya/.test(n)) return 4;
  if (/muda|ketua tim/.test(n)) return 3;
  if (/pemohon|stake\s*holder|peserta|instansi|masyarakat/.test(n)) return 0;
  if (/staf|admin|tenaga|operator|petugas|pendukung/.test(n)) return 1;
  return 2;
}
