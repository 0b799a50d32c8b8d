/**
 * Action latency under 50 concurrent users: the real service (telegraf bot, long polling,
 * dispatcher) against the fake Bot API. 50 people, five in each of ten role groups, each press
 * Selesai on a different card at the same moment; ten rounds on fresh cards, after one more
 * round that is not counted (a service that has run a while, not one just started).
 *
 *   press → answer   the press is created in the fake, until the bot's answerCallbackQuery
 *                    reaches it ("Tercatat ✅" on the person's screen);
 *   press → outbox   until the transaction that wrote the next step's card row committed (the
 *                    service's act() resolved), i.e. the card is handed to the dispatcher.
 *
 * Ten groups rather than one: the dispatcher sends one message per chat per round (to keep a
 * chat's order), so 500 cards into a single chat would make the set-up, not the presses, the
 * long part; Telegram allows a group only 20 a minute anyway.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor, TaskCommand } from '../../src/workflow/model.js';
import { Telegraf, Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import type { TgMessage } from '../support/fake-telegram.js';
import { TG } from '../../src/messages/id.js';
import type { WorkflowService } from '../../src/service/workflow-service.js';
import type { BenchDatabase, Driver } from './db.js';
import { percentile, sleep, until } from './measure.js';
import { groupSop } from './sops.js';
import { bindGroupOf, cardMessages, drained, startWorld } from './world.js';

const GROUPS = 10;
const PER_GROUP = 5;
const USERS = GROUPS * PER_GROUP;
const ROUNDS = 10;
/** Rounds pressed first and not counted: the figures are of a service that has run a while. */
const WARMUP_ROUNDS = 1;

export interface LatencyResult {
  users: number;
  rounds: number;
  presses: number;
  /** Presses answered "Tercatat" whose next card row was written. */
  recorded: number;
  /** Press until the service sent its answer. */
  answerMs: { p50: number; p99: number; max: number };
  /** Press until the answer reached the fake Bot API (in this same process: see above). */
  answerArrivalMs: { p50: number; p99: number; max: number };
  outboxMs: { p50: number; p99: number; max: number };
  /** Median time for a whole round of 50 to be answered. */
  roundMs: number;
  /**
   * CPU time of this process from a round's presses to its last answer (median): on PGlite the
   * database's work too. Unlike wall time it hardly moves with other work on the machine.
   */
  roundCpuMs: number;
  /** Where a press's time went, phase by phase (each from the end of the one before). */
  phases: Record<PhaseName, { p50: number; p99: number }>;
}

/**
 * A press's way through the service, each phase ending at a moment the bench can see:
 *   poll      the press exists in the fake → the bot starts handling its update (long polling);
 *   checks    → the workflow service's act() is called (update claimed once, card's task, the
 *             chat's roles and allow list);
 *   read      → the case's state is read (a connection, one statement);
 *   write     → the core decided and the write committed (one statement; after a conflict,
 *             again under the case's lock);
 *   answer    → the bot calls answerCallbackQuery.
 */
const PHASES = ['poll', 'checks', 'read', 'write', 'answer'] as const;
type PhaseName = (typeof PHASES)[number];

export async function benchLatency(database: BenchDatabase, _driver: Driver, ready: () => Promise<void>, sample: () => void): Promise<LatencyResult> {
  const world = await startWorld(database, process.env.BENCH_DISPATCH_MS ? { dispatcher: { intervalMs: Number(process.env.BENCH_DISPATCH_MS) } } : {});
  try {
    const service = world.core.service;
    const sops = Array.from({ length: GROUPS }, (_, i) => groupSop(i));
    await service.registerDefinitions(sops);
    const groups = [];
    for (const sop of sops) groups.push({ sop, ...(await bindGroupOf(world, sop.role, PER_GROUP)) });

    const committed = recordCommits(service);
    const answered = recordAnswers();
    const received = recordReceived();
    // Round r, person p of group g presses the card of case r*PER_GROUP + p of that group's SOP.
    const allRounds = WARMUP_ROUNDS + ROUNDS;
    const presses: { taskId: number; group: (typeof groups)[number]; person: number }[][] = Array.from({ length: allRounds }, () => []);
    for (const group of groups) {
      const starter: Actor = { channel: 'cli', userId: 'admin', name: 'Admin', role: group.sop.role };
      for (let i = 0; i < allRounds * PER_GROUP; i++) {
        const { openedTaskIds } = await service.startCase(group.sop.definition.id, `Latensi ${i + 1}`, starter);
        presses[Math.floor(i / PER_GROUP)]!.push({ taskId: openedTaskIds[0]!, group, person: i % PER_GROUP });
      }
    }
    await drained(world, 120_000);
    const cards = new Map<number, TgMessage>();
    for (const group of groups) for (const [taskId, message] of await cardMessages(world, group.chat)) cards.set(taskId, message);
    if (cards.size !== USERS * allRounds) throw new Error(`expected ${USERS * allRounds} cards in the groups, found ${cards.size}`);
    await world.settled();
    await ready();

    const answerMs: number[] = [];
    const outboxMs: number[] = [];
    const arrivalMs: number[] = [];
    const roundMs: number[] = [];
    const phaseMs = Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as Record<PhaseName, number[]>;
    const cpuMs: number[] = [];
    let recorded = 0;
    for (let r = 0; r < allRounds; r++) {
      const cpuBefore = process.cpuUsage();
      const batch = presses[r]!.map(({ taskId, group, person }) => {
        const card = cards.get(taskId)!;
        const button = card.reply_markup!.inline_keyboard.flat().find((b) => b.text.includes('Selesai'))!;
        return { taskId, at: Date.now(), queryId: world.tg.userPresses(group.chat, group.people[person]!, card, button.callback_data!) };
      });
      await until('every press answered and committed', 60_000, () => {
        sample();
        return batch.every((p) => world.tg.callbackAnswers.has(p.queryId) && committed.has(p.taskId));
      }, 2).catch((e: unknown) => {
        const unanswered = batch.filter((p) => !world.tg.callbackAnswers.has(p.queryId)).length;
        const uncommitted = batch.filter((p) => !committed.has(p.taskId)).length;
        throw new Error(
          `round ${r + 1}: ${unanswered} presses unanswered, ${uncommitted} not committed, ${world.tg.pendingUpdates().length} updates pending; ` +
            `last calls: ${world.tg.calls.slice(-5).map((c) => `${c.method}→${c.response?.status ?? 'pending'}`).join(', ')}; ${String(e)}`,
        );
      });
      const cpu = process.cpuUsage(cpuBefore);
      if (r >= WARMUP_ROUNDS) {
        cpuMs.push((cpu.user + cpu.system) / 1000);
        let last = 0;
        for (const p of batch) {
          const answer = world.tg.callbackAnswers.get(p.queryId)!;
          // When the service sent the answer. The fake stamps its arrival too, but it shares this
          // process: it reads the request only once the service's work in flight lets the event
          // loop turn (PGlite runs on this thread), which Telegram, elsewhere, would not wait for.
          const answeredAt = answered.get(p.queryId) ?? answer.time;
          answerMs.push(answeredAt - p.at);
          arrivalMs.push(answer.time - p.at);
          outboxMs.push(committed.get(p.taskId)!.at - p.at);
          const commit = committed.get(p.taskId)!;
          const marks = [p.at, received.get(p.queryId) ?? p.at, commit.calledAt, commit.readAt ?? commit.calledAt, commit.at, answeredAt];
          PHASES.forEach((name, i) => phaseMs[name].push(marks[i + 1]! - marks[i]!));
          last = Math.max(last, answeredAt);
          if (answer.text === TG.recorded && committed.get(p.taskId)!.ok) recorded++;
        }
        roundMs.push(last - Math.min(...batch.map((p) => p.at)));
      }
      // Each round starts from a quiet service: edits and next cards of the last one sent.
      await drained(world, 60_000);
      await world.settled();
      await sleep(50);
    }
    const opened = await database.raw(
      "select count(*) as n from outbox where kind = 'card' and platform is null and task_id in (select id from tasks where step_id = '2' and visit = 1)",
    );
    const nextCards = Number(opened[0]!.n);
    if (nextCards !== USERS * allRounds) throw new Error(`expected ${USERS * allRounds} next-step cards in the outbox, found ${nextCards}`);
    const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs) });
    return {
      users: USERS,
      rounds: ROUNDS,
      presses: USERS * ROUNDS,
      recorded,
      answerMs: stats(answerMs),
      answerArrivalMs: stats(arrivalMs),
      outboxMs: stats(outboxMs),
      roundMs: Math.round(percentile(roundMs, 50)),
      roundCpuMs: Math.round(percentile(cpuMs, 50)),
      phases: Object.fromEntries(PHASES.map((p) => [p, { p50: percentile(phaseMs[p], 50), p99: percentile(phaseMs[p], 99) }])) as LatencyResult['phases'],
    };
  } finally {
    await world.close();
  }
}

interface Commit {
  /** act() was called. */
  calledAt: number;
  /** The case's state was read. */
  readAt: number | undefined;
  /** act() resolved: committed. */
  at: number;
  ok: boolean;
}

/** When each task's action was asked for, had read its case, and committed (act() resolved: the card row is in the outbox). */
function recordCommits(service: WorkflowService): Map<number, Commit> {
  const committed = new Map<number, Commit>();
  const inAct = new AsyncLocalStorage<{ readAt?: number }>();
  // The service asks for the case's definition as soon as it has read the case.
  const definitionOf = service.definitionOf.bind(service);
  service.definitionOf = (...args: Parameters<WorkflowService['definitionOf']>) => {
    const act = inAct.getStore();
    if (act && act.readAt === undefined) act.readAt = Date.now();
    return definitionOf(...args);
  };
  const act = service.act.bind(service);
  service.act = async (taskId: number, command: TaskCommand, actor: Actor, expectedVersion?: number) => {
    const mark: { readAt?: number } = {};
    const calledAt = Date.now();
    try {
      const result = await inAct.run(mark, () => act(taskId, command, actor, expectedVersion));
      committed.set(taskId, { calledAt, readAt: mark.readAt, at: Date.now(), ok: true });
      return result;
    } catch (e) {
      committed.set(taskId, { calledAt, readAt: mark.readAt, at: Date.now(), ok: false });
      throw e;
    }
  };
  return committed;
}

/** When the bot began handling each press's update (long polling handed it over), by query id. */
function recordReceived(): Map<string, number> {
  const received = new Map<string, number>();
  const handleUpdate = Telegraf.prototype.handleUpdate;
  Telegraf.prototype.handleUpdate = function (this: Telegraf, update: Update, ...rest: unknown[]) {
    if ('callback_query' in update) received.set(update.callback_query.id, Date.now());
    return (handleUpdate as (this: Telegraf, ...args: unknown[]) => ReturnType<typeof handleUpdate>).call(this, update, ...rest);
  } as typeof handleUpdate;
  return received;
}

/** When the bot called answerCallbackQuery, by query id (every update gets its own Telegram client). */
function recordAnswers(): Map<string, number> {
  const answered = new Map<string, number>();
  const callApi = Telegram.prototype.callApi;
  Telegram.prototype.callApi = function (this: Telegram, method: string, payload: unknown, options?: unknown) {
    if (method === 'answerCallbackQuery') answered.set(String((payload as { callback_query_id?: string }).callback_query_id), Date.now());
    return (callApi as (this: Telegram, ...args: unknown[]) => ReturnType<typeof callApi>).call(this, method, payload, options);
  } as typeof callApi;
  return answered;
}
