/**
 * Button payloads. Telegram allows 64 bytes of callback_data; numbers in base 36 keep every
 * payload far below that. A payload is only a request: the server checks everything again.
 */
export type ButtonPress =
  | { kind: 'task'; taskId: number; version: number; action: 'complete' | 'approve' | 'return' | 'confirm' | 'set-due' }
  | { kind: 'task'; taskId: number; version: number; action: 'choose'; branchIndex: number }
  | { kind: 'slot'; promptId: number; slotIndex: number }
  | { kind: 'start'; sopIndex: number };

const ACTION_CODE = { complete: 'c', approve: 'a', return: 'r', confirm: 'k', 'set-due': 'd' } as const;
const CODE_ACTION = Object.fromEntries(Object.entries(ACTION_CODE).map(([a, c]) => [c, a])) as Record<string, keyof typeof ACTION_CODE>;

const n = (v: number) => v.toString(36);

export function encodePress(p: ButtonPress): string {
  let data: string;
  switch (p.kind) {
    case 'task':
      data = `t:${n(p.taskId)}:${n(p.version)}:${p.action === 'choose' ? `b${n(p.branchIndex)}` : ACTION_CODE[p.action]}`;
      break;
    case 'slot':
      data = `s:${n(p.promptId)}:${n(p.slotIndex)}`;
      break;
    case 'start':
      data = `n:${n(p.sopIndex)}`;
      break;
  }
  if (Buffer.byteLength(data) > 64) throw new Error(`callback_data too long: ${data}`);
  return data;
}

const B36 = /^[0-9a-z]{1,11}$/;
const num = (s: string | undefined): number | null => (s !== undefined && B36.test(s) ? parseInt(s, 36) : null);

/** Anything that is not exactly a payload this bot makes comes back as null (forged or stale format). */
export function decodePress(data: string | undefined): ButtonPress | null {
  if (!data || Buffer.byteLength(data) > 64) return null;
  const parts = data.split(':');
  if (parts[0] === 't' && parts.length === 4) {
    const taskId = num(parts[1]);
    const version = num(parts[2]);
    const code = parts[3]!;
    if (taskId === null || version === null) return null;
    if (code.startsWith('b')) {
      const branchIndex = num(code.slice(1));
      return branchIndex === null ? null : { kind: 'task', taskId, version, action: 'choose', branchIndex };
    }
    const action = CODE_ACTION[code];
    return action ? { kind: 'task', taskId, version, action } : null;
  }
  if (parts[0] === 's' && parts.length === 3) {
    const promptId = num(parts[1]);
    const slotIndex = num(parts[2]);
    return promptId === null || slotIndex === null ? null : { kind: 'slot', promptId, slotIndex };
  }
  if (parts[0] === 'n' && parts.length === 2) {
    const sopIndex = num(parts[1]);
    return sopIndex === null ? null : { kind: 'start', sopIndex };
  }
  return null;
}
