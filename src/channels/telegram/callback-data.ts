/**
 * Telegram's callback_data: the shared button format with numbers in base 36, so every payload
 * stays far below Telegram's 64 bytes.
 */
import { buttonCodec, type ButtonPress } from '../button-press.js';

export type { ButtonPress } from '../button-press.js';

const codec = buttonCodec(36);

export const encodePress = (p: ButtonPress): string => codec.encode(p);
export const decodePress = (data: string | undefined): ButtonPress | null => codec.decode(data);
