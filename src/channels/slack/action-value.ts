/**
 * Button values of the Slack cards: the shared button format with decimal numbers, and an
 * action_id Bolt routes on. A value is only a request: the server checks the channel's binding,
 * the allow list, the task's state and version again on every press.
 */
import { buttonCodec, type ButtonPress } from '../button-press.js';


export type SlackPress = Exclude<ButtonPress, { kind: 'start' }>;

/** action_id prefixes Bolt routes on; the rest of an action_id only keeps it unique in its message. */
export const TASK_ACTION = /^task:/;
export const SLOT_ACTION = /^slot:/;
/** Presses that ask for a file or a picture: a case's position, an SOP's sheet. */
export const FILE_ACTION = /^file:/;

const codec = buttonCodec(10);

export function encodePress(p: SlackPress): { actionId: string; value: string } {
  const value = codec.encode(p);
  const actionId = p.kind === 'slot' ? `slot:${p.slotIndex}` : p.kind === 'task' ? `task:${codec.actionCode(p)}` : `file:${value}`;
  return { actionId, value };
}

/** Anything that is not exactly a value this app makes (Slack has no start buttons) comes back as null. */
export function decodePress(value: string | undefined): SlackPress | null {
  const press = codec.decode(value);
  return press && press.kind !== 'start' ? press : null;
}
