/**
 * What a button asks for, as both platforms carry it (Telegram's callback_data, Slack's button
 * value): at most 64 bytes, so numbers are short and the action is one letter. A press is only a
 * request: the server checks the chat's binding, the allow list, the task's state and version
 * again every time.
 */
export type TaskAction = 'complete' | 'approve' | 'return' | 'confirm' | 'set-due';

export type ButtonPress =
  | { kind: 'task'; taskId: number; version: number; action: TaskAction }
  | { kind: 'task'; taskId: number; version: number; action: 'choose'; branchIndex: number }
  | { kind: 'slot'; promptId: number; slotIndex: number }
  | { kind: 'start'; sopIndex: number }
  /** Where a case stands, as a picture (a card's or a closed case's Posisi). */
  | { kind: 'position'; caseId: number }
  /** The sheet of the catalog's SOP at this index. */
  | { kind: 'sheet'; sopIndex: number }
  /** The sheet of the SOP a case runs on (a card's menu). */
  | { kind: 'case-sheet'; caseId: number };

export type TaskPress = Extract<ButtonPress, { kind: 'task' }>;

const MAX_BYTES = 64;
const ACTION_CODE = { complete: 'c', approve: 'a', return: 'r', confirm: 'k', 'set-due': 'd' } as const;
const CODE_ACTION = Object.fromEntries(Object.entries(ACTION_CODE).map(([a, c]) => [c, a])) as Record<string, TaskAction>;

/** Presses that carry one number, by their letter (a Map: a forged "constructor:1" finds nothing). */
const SINGLE = new Map<string, (v: number) => ButtonPress>([
  ['n', (sopIndex) => ({ kind: 'start', sopIndex })],
  ['p', (caseId) => ({ kind: 'position', caseId })],
  ['h', (sopIndex) => ({ kind: 'sheet', sopIndex })],
  ['l', (caseId) => ({ kind: 'case-sheet', caseId })],
]);

export interface ButtonCodec {
  /** The one-letter code of a task press ("c", "a", …; "b2" for the third branch). */
  actionCode(p: TaskPress): string;
  encode(p: ButtonPress): string;
  /** Anything that is not exactly a payload this service makes comes back as null (forged or stale format). */
  decode(data: string | undefined): ButtonPress | null;
}

/** Telegram writes numbers in base 36 to stay far below 64 bytes; Slack's values keep them decimal. */
export function buttonCodec(radix: 10 | 36): ButtonCodec {
  const n = (v: number) => v.toString(radix);
  const digits = radix === 36 ? /^[0-9a-z]{1,11}$/ : /^\d{1,10}$/;
  const num = (s: string | undefined): number | null => (s !== undefined && digits.test(s) ? parseInt(s, radix) : null);
  const actionCode = (p: TaskPress) => (p.action === 'choose' ? `b${n(p.branchIndex)}` : ACTION_CODE[p.action]);

  return {
    actionCode,
    encode(p) {
      const data = (() => {
        switch (p.kind) {
          case 'task':
            return `t:${n(p.taskId)}:${n(p.version)}:${actionCode(p)}`;
          case 'slot':
            return `s:${n(p.promptId)}:${n(p.slotIndex)}`;
          case 'start':
            return `n:${n(p.sopIndex)}`;
          case 'position':
            return `p:${n(p.caseId)}`;
          case 'sheet':
            return `h:${n(p.sopIndex)}`;
          case 'case-sheet':
            return `l:${n(p.caseId)}`;
        }
      })();
      if (Buffer.byteLength(data) > MAX_BYTES) throw new Error(`button data too long: ${data}`);
      return data;
    },
    decode(data) {
      if (!data || Buffer.byteLength(data) > MAX_BYTES) return null;
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
      const one = parts.length === 2 ? SINGLE.get(parts[0]!) : undefined;
      if (one) {
        const value = num(parts[1]);
        return value === null ? null : one(value);
      }
      return null;
    },
  };
}
