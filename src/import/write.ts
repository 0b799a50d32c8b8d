/**
 * A draft as YAML text in the catalog's format, each comment on the node it explains. The
 * yaml package's Document API places comments on nodes, so a reason stays next to its value
 * however the values are laid out.
 */
import { Document, isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Draft } from './infer.js';

/** The order of keys in each kind of map: a comment for an absent key goes to the next one present. */
const ORDER: Record<string, string[]> = {
  root: ['id', 'code', 'identity', 'dasarHukum', 'kualifikasiPelaksana', 'keterkaitan', 'peralatan', 'peringatan', 'pencatatan', 'unit', 'konversiWaktu', 'roles', 'steps'],
  identity: ['nomor', 'nama', 'instansi', 'tanggalPembuatan', 'tanggalRevisi', 'tanggalEfektif', 'disahkanOleh'],
  step: ['id', 'kegiatan', 'kind', 'role', 'roles', 'quorum', 'roleInferred', 'kelengkapan', 'waktu', 'anchor', 'output', 'keterangan', 'next', 'end', 'route', 'branches', 'returnTo'],
};

export function writeDraft(draft: Draft): string {
  const doc = new Document(draft.definition);
  doc.commentBefore = draft.header.map((l) => ` ${l}`).join('\n');

  // Short lists of names on one line, as the shipped catalog writes them.
  const steps = doc.get('steps', true);
  if (isSeq(steps)) {
    for (const step of steps.items) {
      if (!isMap(step)) continue;
      for (const key of ['kelengkapan', 'output', 'roles', 'returnTo']) {
        const node = step.get(key, true);
        if (isSeq(node) && node.items.every((i) => isScalar(i) && String(i.value).length < 60) && node.items.length <= 4) node.flow = true;
      }
      for (const key of ['output', 'route', 'branches']) {
        const node = step.get(key, true);
        if (!isSeq(node)) continue;
        for (const item of node.items) {
          if (!isMap(item)) continue;
          item.flow = key === 'output';
          const when = item.get('when', true);
          if (isMap(when)) when.flow = true;
        }
      }
    }
  }
  const roles = doc.get('roles', true);
  if (isSeq(roles)) for (const r of roles.items) if (isMap(r)) r.flow = true;

  const grouped = new Map<string, { path: (string | number)[]; texts: string[] }>();
  for (const c of draft.comments) {
    const key = JSON.stringify(c.path);
    const entry = grouped.get(key) ?? { path: c.path, texts: [] };
    if (!entry.texts.includes(c.text)) entry.texts.push(c.text);
    grouped.set(key, entry);
  }
  for (const { path, texts } of grouped.values()) attach(doc, path, texts);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function attach(doc: Document, path: (string | number)[], texts: string[]) {
  const text = texts.map((t) => ` ${t}`).join('\n');
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1];
  const parent = parentPath.length === 0 ? doc.contents : (doc.getIn(parentPath, true) as Node | undefined);
  if (typeof last === 'number' && isSeq(parent)) {
    const item = parent.items[last] as Node | undefined;
    if (item) return prepend(item, text);
  }
  if (typeof last === 'string' && isMap(parent)) {
    const kind = parentPath.length === 0 ? 'root' : parentPath[0] === 'identity' ? 'identity' : parentPath[0] === 'steps' ? 'step' : '';
    const order = ORDER[kind] ?? [];
    const candidates = [last, ...order.slice(order.indexOf(last) + 1)];
    for (const key of order.includes(last) ? candidates : [last]) {
      const pair = findPair(parent, key);
      if (pair && isScalar(pair.key)) return prepend(pair.key, text);
    }
    // Nothing after it: the comment closes the map.
    const lastPair = parent.items[parent.items.length - 1];
    if (lastPair && isScalar(lastPair.value)) {
      lastPair.value.comment = lastPair.value.comment ? `${lastPair.value.comment}\n${text}` : text;
      return;
    }
  }
  if (parent && (isMap(parent) || isSeq(parent))) return prepend(parent, text);
  doc.commentBefore = `${doc.commentBefore ?? ''}\n${text}`;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
}

function prepend(node: { commentBefore?: string | null }, text: string) {
  node.commentBefore = node.commentBefore ? `${node.commentBefore}\n${text}` : text;
}
