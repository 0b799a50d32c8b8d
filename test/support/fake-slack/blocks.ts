/**
 * Reading Block Kit the way a person reads the message: the visible text, and the buttons.
 */
export type Block = Record<string, unknown>;

export interface ButtonElement {
  type: 'button';
  action_id: string;
  value?: string;
  text: { type: string; text: string };
  style?: string;
  block_id: string;
}

function textOf(node: unknown): string[] {
  if (!node || typeof node !== 'object') return [];
  const t = node as { type?: string; text?: unknown; fields?: unknown[]; elements?: unknown[] };
  const out: string[] = [];
  if (typeof t.text === 'string') out.push(t.text);
  else if (t.text && typeof t.text === 'object') out.push(...textOf(t.text));
  for (const f of t.fields ?? []) out.push(...textOf(f));
  if (t.type === 'context') for (const el of t.elements ?? []) out.push(...textOf(el));
  return out;
}

/** Every text a person sees in the blocks (sections, fields, headers, context), one per line. */
export function blocksText(blocks: Block[] | undefined): string {
  return (blocks ?? []).flatMap((b) => textOf(b)).join('\n');
}

/** Buttons of actions blocks and of sections (a section's accessory), in reading order. */
export function buttonsOf(blocks: Block[] | undefined): ButtonElement[] {
  const out: ButtonElement[] = [];
  for (const b of blocks ?? []) {
    const elements = b.type === 'actions' ? ((b.elements as Record<string, unknown>[] | undefined) ?? []) : b.type === 'section' && b.accessory ? [b.accessory as Record<string, unknown>] : [];
    for (const el of elements) {
      if (el.type === 'button') out.push({ ...(el as unknown as ButtonElement), block_id: String(b.block_id ?? '') });
    }
  }
  return out;
}

export interface OverflowElement {
  type: 'overflow';
  action_id: string;
  options: { text: { type: string; text: string }; value: string }[];
  block_id: string;
}

/** Overflow menus (⋮) of actions blocks. */
export function overflowsOf(blocks: Block[] | undefined): OverflowElement[] {
  const out: OverflowElement[] = [];
  for (const b of blocks ?? []) {
    if (b.type !== 'actions') continue;
    for (const el of (b.elements as Record<string, unknown>[] | undefined) ?? []) {
      if (el.type === 'overflow') out.push({ ...(el as unknown as OverflowElement), block_id: String(b.block_id ?? '') });
    }
  }
  return out;
}
