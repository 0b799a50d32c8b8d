/** The running service against the fake Bot API, set up for a benchmark (see test/support/telegram-world.ts). */
import type { TgChat, TgMessage, TgUser } from '../support/fake-telegram.js';
import { TelegramWorld, type TelegramWorldOptions } from '../support/telegram-world.js';
import type { BenchDatabase } from './db.js';
import { until } from './measure.js';
import { rawQuery } from '../../src/db/raw.js';
import * as bindings from '../../src/db/queries/bindings.js';
import * as outbox from '../../src/db/queries/outbox.js';

export async function startWorld(database: BenchDatabase, options: Omit<TelegramWorldOptions, 'database'> = {}): Promise<TelegramWorld> {
  // The bench database is dropped by its owner, not by the world.
  return TelegramWorld.start({ startScheduler: false, ...options, database: { ...database, close: async () => {} } });
}

/** A group of `members` people, bound to `role` the way an admin does it: pairing code, /daftar. */
export async function bindGroupOf(world: TelegramWorld, role: string, members: number): Promise<{ chat: TgChat; people: TgUser[] }> {
  const people = Array.from({ length: members }, (_, i) => world.tg.addUser({ first_name: `Petugas ${role} ${i + 1}` }));
  const chat = world.tg.addGroup({ title: `Grup ${role}`, members: people });
  const code = await world.pairingCode(role);
  world.tg.userSends(chat, people[0]!, `/daftar ${code}`);
  await world.tg.waitFor(() => world.botSaid(chat, 'terdaftar sebagai'), 20_000, `binding of ${role}`);
  return { chat, people };
}

/** Binds a chat straight in the database (set-up of many groups; the pairing flow is not what is measured). */
export async function bindDirect(world: TelegramWorld, chat: TgChat, role: string): Promise<void> {
  await world.database.db.transaction((tx) =>
    bindings.bindPlace(tx, { platform: 'telegram', chatId: String(chat.id), threadId: '' }, role, chat.title ?? null),
  );
}

/**
 * Telegram deliveries of cards and card edits not yet sent (or given up), counted by the
 * database: the benchmark polls this between rounds, and reading every outbox row each time
 * cost more CPU than the presses it waits for.
 */
async function unsentDeliveries(world: TelegramWorld): Promise<number> {
  const [row] = await rawQuery(world.database.db)(
    `select count(*)::int as unsent from outbox
      where (platform is null and status = 'pending') or (platform is not null and status not in ('sent', 'dead'))`,
    [],
  );
  return Number(row!.unsent);
}

export async function drained(world: TelegramWorld, timeoutMs: number): Promise<void> {
  await until('outbox drained', timeoutMs, async () => (await unsentDeliveries(world)) === 0, 20);
}

/** The message the bot posted for each task's card in a chat (from the outbox's recorded message refs). */
export async function cardMessages(world: TelegramWorld, chat: TgChat): Promise<Map<number, TgMessage>> {
  const rows = await outbox.listOutbox(world.database.db);
  const byTask = new Map<number, TgMessage>();
  for (const r of rows) {
    if (r.kind !== 'card' || r.platform !== 'telegram' || r.chatId !== String(chat.id) || r.status !== 'sent' || r.taskId === null) continue;
    const ref = r.messageRef as { messageId: string } | null;
    const message = ref ? world.tg.message(chat, Number(ref.messageId)) : undefined;
    if (message) byTask.set(r.taskId, message);
  }
  return byTask;
}
