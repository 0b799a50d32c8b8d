/**
 * Pending updates, with getUpdates' confirmation rules and the long-poll waiters.
 */
import { ApiError, DESCRIPTIONS, type Interrupt } from './errors.js';
import type { TgUpdate } from './types.js';

/** Update kinds Telegram withholds unless a bot asks for them explicitly. */
const OPT_IN_KINDS = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

interface Entry {
  update: TgUpdate;
  /** Injected updates survive confirmation until handed out once, so duplicates reach the bot. */
  forced: boolean;
  handedOut: number;
}

export interface Poller {
  wake(): void;
  fail(error: ApiError | Interrupt): void;
}

export function updateKind(update: TgUpdate): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
}

export class UpdateQueue {
  private entries: Entry[] = [];
  private nextId: number;
  /** undefined until a bot sets allowed_updates; Telegram then uses its default set. */
  allowed: Set<string> | undefined;
  readonly history: TgUpdate[] = [];
  /** Updates Telegram would never have produced because of allowed_updates. */
  readonly filteredOut: TgUpdate[] = [];
  readonly pollers = new Set<Poller>();
  private listeners = new Set<() => void>();

  constructor(firstId: number) {
    this.nextId = firstId;
  }

  onEnqueue(listener: () => void): void {
    this.listeners.add(listener);
  }

  clear(): void {
    this.entries = [];
    this.allowed = undefined;
    this.history.length = 0;
    this.filteredOut.length = 0;
  }

  /** Gives a new update the next update_id (ids stay increasing across reset()). */
  push(body: Omit<TgUpdate, 'update_id'>): TgUpdate {
    const update = { update_id: this.nextId++, ...body } as TgUpdate;
    this.add(update, false);
    return update;
  }

  /** Queues a caller-built update as is; an explicit update_id may repeat or go backwards. */
  inject(raw: Partial<TgUpdate> & Record<string, unknown>): TgUpdate {
    const update = { ...raw } as TgUpdate;
    if (typeof update.update_id !== 'number') update.update_id = this.nextId++;
    else if (update.update_id >= this.nextId) this.nextId = update.update_id + 1;
    this.add(update, true);
    return update;
  }

  private add(update: TgUpdate, forced: boolean): void {
    this.history.push(update);
    if (!this.isAllowed(updateKind(update))) {
      this.filteredOut.push(update);
      return;
    }
    this.entries.push({ update, forced, handedOut: 0 });
    for (const poller of [...this.pollers]) poller.wake();
    for (const listener of this.listeners) listener();
  }

  isAllowed(kind: string): boolean {
    if (this.allowed === undefined || this.allowed.size === 0) return !OPT_IN_KINDS.has(kind);
    return this.allowed.has(kind);
  }

  setAllowed(list: unknown): void {
    if (Array.isArray(list)) this.allowed = new Set(list.map(String));
  }

  /** getUpdates semantics: a positive offset forgets everything below it, a negative one keeps only the last -offset. */
  confirm(offset: number): void {
    if (offset > 0) {
      this.entries = this.entries.filter((e) => e.update.update_id >= offset || (e.forced && e.handedOut === 0));
    } else if (offset < 0) {
      this.entries = this.entries.slice(offset);
    }
  }

  peek(limit: number): TgUpdate[] {
    return this.entries.slice(0, limit).map((e) => e.update);
  }

  markHandedOut(updates: TgUpdate[]): void {
    const set = new Set(updates);
    for (const e of this.entries) if (set.has(e.update)) e.handedOut++;
  }

  first(): TgUpdate | undefined {
    return this.entries[0]?.update;
  }

  remove(update: TgUpdate): void {
    this.entries = this.entries.filter((e) => e.update !== update);
  }

  dropAll(): void {
    this.entries = [];
  }

  get pendingCount(): number {
    return this.entries.length;
  }

  pending(): TgUpdate[] {
    return this.entries.map((e) => e.update);
  }

  /** Only one getUpdates may wait at a time; a newer one ends the older with 409, as on Telegram. */
  supersedePollers(): void {
    for (const poller of [...this.pollers]) poller.fail(new ApiError(409, DESCRIPTIONS.pollConflict));
  }

  failPollers(reason: ApiError | Interrupt): void {
    for (const poller of [...this.pollers]) poller.fail(reason);
  }
}
