/**
 * Button values of the Slack cards. A value is only a request: the server checks the channel's
 * binding, the allow list, the task's state and version again on every press.
 */
export type TaskAction = 'complete' | 'approve' | 'return' | 'confirm' | 'set-due';

export type SlackPress =
  | { kind: 'task'; taskId: number; version: number; action: TaskAction }
  | { kind: 'task'; taskId: number; version: number; action: 'choose'; branchIndex: number }
  | { kind: 'slot'; promptId: number; slotIndex: number };

/** action_id prefixes Bolt routes on; the rest of an action_id only keeps it unique in its message. */
export const TASK_ACTION = /^task:/;
export const SLOT_ACTION = /^slot:/;

const ACTION_CODE = { complete: 'c', approve: 'a', return: 'r', confirm: 'k', 'set-due': 'd' } as const;
const CODE_ACTION = Object.fromEntries(Object.entries(ACTION_CODE).map(([a, c]) => [c, a])) as Record<string, TaskAction>;

export function encodePress(p: SlackPress): { actionId: string; value: string } {
  if (p.kind === 'slot') return { actionId: `slot:${p.slotIndex}`, value: `s:${p.promptId}:${p.slotIndex}` };
  const code = p.action === 'choose' ? `b${p.branchIndex}` : ACTION_CODE[p.action];
  return { actionId: `task:${code}`, value: `t:${p.taskId}:${p.version}:${code}` };
}

const NUM = /^\d{1,10}$/;
const num = (s: string | undefined): number | null => (s !== undefined && NUM.test(s) ? Number(s) : null);

/** Anything that is not exactly a value this app makes comes back as null. */
export function decodePress(value: string | undefined): SlackPress | null {
  if (!value || value.length > 64) return null;
  const parts = value.split(':');
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
  return null;
}
