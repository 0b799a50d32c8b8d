/**
 * The outbox dispatcher: sends what workflow transactions wrote, platform by platform.
 *
 * It never reads a payload; a platform's Transport renders and sends. Three steps, each in
 * its own short transaction so nothing is sent while a lock is held:
 *   route   role-addressed rows -> one delivery per chat bound to the role (edits: one per
 *           message they edit);
 *   claim   due deliveries, oldest unsent row per chat only, within the rate limits, marked
 *           'sending' under a lease (FOR UPDATE SKIP LOCKED; replicas share the work);
 *   deliver outside any transaction, then record sent / retry / dead.
 */
import type { Db, Queryable, Tx } from '../db/database.js';
import { DeliveryError, type DeliveryMessage, type Platform, type Transport } from './transport.js';
import { deliveryKey, editKey } from './outbox-keys.js';
import { type OutboxRow, type RoutePlan, deferDeliveries, extendLease, lockClaimable, lockDueParents, lockPlatform, lockUnrouted, markClaimed, markDead, markRetry, markSent, nextAttemptAfter, recentClaims, routeParents, wakeEdits } from '../db/queries/outbox.js';

export { DeliveryError, type DeliveryMessage, type Platform, type Transport, type TransportLimits } from './transport.js';

/** pino-compatible (object first, message second); pino is wired in by the caller. */
export interface DeliveryLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silent: DeliveryLogger = { info() {}, warn() {}, error() {} };

export interface DispatcherOptions {
  db: Db;
  transports: Transport[];
  /** Injectable clock; every timestamp the dispatcher writes comes from it. */
  now?: () => Date;
  /** Jitter source in [0, 1). */
  random?: () => number;
  logger?: DeliveryLogger;
  /** Attempts (server-requested 429 waits not counted) before a row is dead. Default 10. */
  maxAttempts?: number;
  /** Exponential backoff for network errors and 5xx: base * 2^(attempt-1), capped, with jitter. */
  backoff?: { baseMs?: number; capMs?: number };
  /**
   * How long a claim stays valid without news. Slow deliveries renew it while they run, so a
   * live replica never loses a claim; after a crash the row is sent again once it expires.
   */
  leaseMs?: number;
  /** Rows per claim or routing transaction. */
  batchSize?: number;
  /** Role-less kinds that edit earlier messages: edit kind -> kind of the messages it edits. */
  editKinds?: Record<string, string>;
  /** Safety net for an edit waiting on its original; sending the original wakes it sooner. */
  editWaitMs?: number;
  /** Upper bound of route/claim/deliver rounds in one runOnce. */
  maxRounds?: number;
}

export interface RunCounts {
  sent: number;
  /** Attempts that failed and were scheduled again (incl. 429). */
  failed: number;
  dead: number;
  /** Due rows postponed without an attempt: rate limits, or an edit waiting for its original. */
  deferred: number;
}

const MINUTE = 60_000;
const SECOND = 1_000;

export class OutboxDispatcher {
  private readonly db: Db;
  private readonly transports: Map<Platform, Transport>;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly logger: DeliveryLogger;
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly editKinds: Record<string, string>;
  private readonly editWaitMs: number;
  private readonly maxRounds: number;
  /** Platform-wide 429 (Telegram: the whole bot is throttled) -> no claims until then. */
  private readonly pausedUntil = new Map<Platform, number>();
  /**
   * When the earliest rate-limit token that a claim found spent frees again (ms). The rows it
   * deferred wait until then, and the loop must wake at that moment even when it has already
   * passed by the time the claim's transaction ended: the database's next due time only looks
   * ahead, and would leave the platform idle for a whole polling interval.
   */
  private nextToken: number | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(options: DispatcherOptions) {
    this.db = options.db;
    this.transports = new Map();
    for (const t of options.transports) {
      if (this.transports.has(t.platform)) throw new Error(`two transports for ${t.platform}`);
      for (const [name, value] of Object.entries(t.limits ?? {})) {
        if (value !== undefined && !(value > 0)) throw new Error(`${t.platform} limit ${name} must be positive`);
      }
      this.transports.set(t.platform, t);
    }
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silent;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.baseMs = options.backoff?.baseMs ?? 2_000;
    this.capMs = options.backoff?.capMs ?? 10 * MINUTE;
    this.leaseMs = options.leaseMs ?? 2 * MINUTE;
    this.batchSize = options.batchSize ?? 100;
    this.editKinds = options.editKinds ?? { 'card-update': 'card' };
    this.editWaitMs = options.editWaitMs ?? 30 * SECOND;
    this.maxRounds = options.maxRounds ?? 100;
  }

  /**
   * Routes, claims and delivers until nothing more can go now. Calls are serialised within
   * one instance; other instances run alongside safely.
   */
  runOnce(): Promise<RunCounts> {
    const run = this.queue.then(() => this.rounds());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Polls every intervalMs, or sooner when a waiting row falls due. */
  start(options: { intervalMs?: number } = {}): void {
    if (this.loop) return;
    const intervalMs = options.intervalMs ?? 1_000;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await this.runOnce();
        } catch (err) {
          this.logger.error({ err }, 'putaran outbox gagal; dicoba lagi pada putaran berikutnya');
        }
        if (this.stopping) break;
        await this.idle(await this.delayUntilDue(intervalMs));
      }
    })();
  }

  /** Stops polling; resolves once deliveries in flight are recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.queue;
  }

  private async rounds(): Promise<RunCounts> {
    const counts: RunCounts = { sent: 0, failed: 0, dead: 0, deferred: 0 };
    for (let round = 0; round < this.maxRounds; round++) {
      const now = this.now();
      // One routing batch per round, then claims: the first cards of a large backlog go out
      // while the rest is still being routed, not after all of it.
      const routed = await this.route(now, counts);
      const inFlight: Promise<void>[] = [];
      this.nextToken = undefined;
      try {
        for (const transport of this.transports.values()) {
          if ((this.pausedUntil.get(transport.platform) ?? 0) > now.getTime()) continue;
          const rows = await this.claim(transport, now, counts);
          for (const row of rows) inFlight.push(this.deliver(transport, row, counts));
        }
      } finally {
        // Even when a later claim fails, what was claimed is delivered and recorded before
        // the run ends, so stop() never leaves a send behind.
        await Promise.all(inFlight);
      }
      // Each chat sends at most one row per round (order), so go on while anything moved.
      if (!inFlight.length && !routed.moved && !routed.more) break;
    }
    return counts;
  }

  /** Routes one batch of due role-addressed rows; `more`: the batch was full, so others may be due. */
  private async route(now: Date, counts: RunCounts): Promise<{ moved: number; more: boolean }> {
    const batch = await this.db.transaction(async (tx) => {
      const parents = await lockDueParents(tx, now, this.batchSize);
      if (!parents.length) return { size: 0, moved: 0, waiting: 0 };
      const routed = await routeParents(tx, parents, now, this.routePlan(now));
      for (const parent of routed.unrouted) {
        this.logger.warn(
          { outboxId: parent.id, kind: parent.kind, role: parent.role },
          'belum ada chat yang terdaftar untuk peran ini; pesan menunggu sampai ada',
        );
      }
      return { size: parents.length, moved: routed.moved, waiting: routed.waiting };
    });
    counts.deferred += batch.waiting;
    return { moved: batch.moved, more: batch.size >= this.batchSize };
  }

  private routePlan(now: Date): RoutePlan {
    return {
      editKinds: this.editKinds,
      waitUntil: new Date(now.getTime() + this.editWaitMs),
      deliveryKey: (parent, place) => deliveryKey(parent.dedupeKey, place),
      editKey: (parent, edited) => editKey(parent.dedupeKey, edited.id),
    };
  }

  private async claim(transport: Transport, now: Date, counts: RunCounts): Promise<OutboxRow[]> {
    const { platform } = transport;
    const perChat = transport.limits?.perChatPerMinute;
    const global = transport.limits?.globalPerSecond;
    return this.db.transaction(async (tx) => {
      if (perChat !== undefined || global !== undefined) await lockPlatform(tx, platform);
      const candidates = await lockClaimable(tx, platform, now, this.batchSize);
      if (!candidates.length) return [];

      // Sliding-window logs rather than refilling buckets: a bucket of N refilled over a minute
      // lets up to 2N through in some 60 s window; here a token frees exactly when the send
      // that spent it leaves the window, so no window ever holds more than N.
      // A chat's log matters only where this claim could bring it to its limit: at most one row
      // per chat and thread is a candidate, so a chat can gain as many as it has threads here.
      const perChatCandidates = new Map<string, number>();
      for (const row of candidates) perChatCandidates.set(row.chatId ?? '', (perChatCandidates.get(row.chatId ?? '') ?? 0) + 1);
      const windowMs = perChat !== undefined ? MINUTE : global !== undefined ? SECOND : 0;
      const recent = windowMs
        ? await recentClaims(tx, platform, {
            since: new Date(now.getTime() - windowMs),
            overallAfter: new Date(now.getTime() - SECOND),
            chatsFrom: perChat === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, perChat - Math.max(...perChatCandidates.values())),
            perChat: perChat ?? 0,
          })
        : { overall: [], chats: new Map<string, number[]>() };
      const globalLog = recent.overall;
      // Per chat, not per thread: Telegram counts a forum group's topics together.
      const chatLogs = recent.chats;

      const claimIds: number[] = [];
      const deferrals: { id: number; until: Date }[] = [];
      for (const row of candidates) {
        const chatLog = chatLogs.get(row.chatId ?? '') ?? [];
        if (perChat !== undefined && chatLog.length >= perChat) {
          deferrals.push({ id: row.id, until: new Date(chatLog[chatLog.length - perChat]! + MINUTE) });
          continue;
        }
        if (global !== undefined && globalLog.length >= global) {
          deferrals.push({ id: row.id, until: new Date(globalLog[globalLog.length - global]! + SECOND) });
          continue;
        }
        claimIds.push(row.id);
        chatLog.push(now.getTime());
        chatLogs.set(row.chatId ?? '', chatLog);
        globalLog.push(now.getTime());
      }
      if (deferrals.length) {
        await deferDeliveries(tx, deferrals);
        const earliest = Math.min(...deferrals.map((d) => d.until.getTime()));
        this.nextToken = Math.min(this.nextToken ?? earliest, earliest);
      }
      counts.deferred += deferrals.length;
      return markClaimed(tx, claimIds, now, new Date(now.getTime() + this.leaseMs));
    });
  }

  /** Never throws: a failure to record an outcome leaves the row 'sending' until its lease expires. */
  private async deliver(transport: Transport, row: OutboxRow, counts: RunCounts): Promise<void> {
    const attempt = row.attempts;
    const heartbeat = setInterval(() => {
      extendLease(this.db, row.id, attempt, new Date(this.now().getTime() + this.leaseMs)).catch((err: unknown) =>
        this.logger.warn({ err, outboxId: row.id }, 'masa klaim pengiriman tidak dapat diperpanjang'),
      );
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    heartbeat.unref();

    let outcome: { ok: true; messageRef: Record<string, unknown> | null } | { ok: false; error: unknown };
    try {
      const result = await transport.deliver(toMessage(row, attempt));
      outcome = { ok: true, messageRef: result?.messageRef ?? null };
    } catch (error) {
      outcome = { ok: false, error };
    } finally {
      clearInterval(heartbeat);
    }

    try {
      if (outcome.ok) await this.recordSent(row, attempt, outcome.messageRef, counts);
      else await this.recordFailure(transport, row, attempt, outcome.error, counts);
    } catch (err) {
      this.logger.error({ err, outboxId: row.id }, 'hasil pengiriman tidak dapat dicatat; pesan dicoba lagi setelah masa klaimnya habis');
    }
  }

  private async recordSent(
    row: OutboxRow,
    attempt: number,
    messageRef: Record<string, unknown> | null,
    counts: RunCounts,
  ): Promise<void> {
    const now = this.now();
    // With the card's waiting edits woken in the same statement: a crash between the two would
    // leave them asleep until their safety net (editWaitMs) although the card is out (found by
    // the SIGKILL story).
    if (!(await markSent(this.db, row, attempt, messageRef, now, this.editsOf(row.kind)))) {
      this.logger.warn({ outboxId: row.id, attempt }, 'terkirim setelah klaim hilang; replika lain mungkin mengirimnya juga');
      return;
    }
    counts.sent++;
  }

  private async recordFailure(
    transport: Transport,
    row: OutboxRow,
    attempt: number,
    error: unknown,
    counts: RunCounts,
  ): Promise<void> {
    const now = this.now();
    const failure = error instanceof DeliveryError ? error : undefined;
    const lastError = describe(error);
    const where = { outboxId: row.id, kind: row.kind, platform: row.platform, method: failure?.method, chatId: row.chatId, attempt };

    if (failure?.permanent || (failure?.retryAfterSeconds === undefined && attempt >= this.maxAttempts)) {
      const given = await this.db.transaction(async (tx) => {
        if (!(await markDead(tx, row, attempt, lastError, now))) return false;
        await this.wakeEditsOf(tx, row, now);
        return true;
      });
      if (given) {
        counts.dead++;
        this.logger.error({ ...where, lastError }, 'pengiriman dihentikan: gagal permanen atau terlalu sering gagal');
      }
      return;
    }

    if (failure?.retryAfterSeconds !== undefined) {
      // Exactly what the server asked, no jitter: it told us when it will accept again.
      const at = new Date(now.getTime() + failure.retryAfterSeconds * SECOND);
      if (failure.scope === 'platform') {
        this.pausedUntil.set(transport.platform, Math.max(this.pausedUntil.get(transport.platform) ?? 0, at.getTime()));
      }
      if (await markRetry(this.db, row.id, attempt, { at, lastError, uncountAttempt: true })) counts.failed++;
      this.logger.warn({ ...where, retryAfterSeconds: failure.retryAfterSeconds, scope: failure.scope }, 'dibatasi server (429); menunggu sesuai retry_after');
      return;
    }

    const exp = Math.min(this.capMs, this.baseMs * 2 ** (attempt - 1));
    // Equal jitter: spreads replicas' retries yet never retries sooner than half the backoff.
    const delay = Math.round(exp / 2 + (exp / 2) * this.random());
    if (await markRetry(this.db, row.id, attempt, { at: new Date(now.getTime() + delay), lastError })) counts.failed++;
    this.logger.warn({ ...where, lastError, retryInMs: delay }, 'pengiriman gagal; akan dicoba lagi');
  }

  private async wakeEditsOf(tx: Tx, row: OutboxRow, now: Date): Promise<void> {
    if (row.taskId === null) return;
    await wakeEdits(tx, row.taskId, this.editsOf(row.kind), now);
  }

  /** The edit kinds that edit messages of `kind`. */
  private editsOf(kind: string): string[] {
    return Object.entries(this.editKinds)
      .filter(([, edited]) => edited === kind)
      .map(([edit]) => edit);
  }

  private async delayUntilDue(intervalMs: number): Promise<number> {
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    try {
      const due = await nextAttemptAfter(this.db, now, [...this.transports.keys()]);
      if (due) next = due.getTime();
    } catch (err) {
      this.logger.warn({ err }, 'waktu jatuh tempo berikutnya tidak dapat dibaca');
    }
    for (const until of this.pausedUntil.values()) if (until > now.getTime()) next = Math.min(next, until);
    if (this.nextToken !== undefined) next = Math.min(next, this.nextToken);
    return Math.max(1, Math.min(intervalMs, next - now.getTime()));
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * Routes a role's unrouted rows to the chats now bound to it. Call it after binding a chat;
 * inside the binding's transaction if there is one, so the new binding is seen.
 * Returns how many rows found a chat.
 */
export async function rerouteUnrouted(q: Queryable, role: string, now: Date = new Date()): Promise<number> {
  return q.transaction(async (tx) => {
    const rows = await lockUnrouted(tx, role);
    if (!rows.length) return 0;
    const routed = await routeParents(tx, rows, now, {
      editKinds: {},
      waitUntil: now,
      deliveryKey: (parent, place) => deliveryKey(parent.dedupeKey, place),
      editKey: () => {
        throw new Error('an unrouted row is never an edit');
      },
    });
    return rows.length - routed.unrouted.length;
  });
}

function toMessage(row: OutboxRow, attempt: number): DeliveryMessage {
  return {
    id: row.id,
    dedupeKey: row.dedupeKey,
    kind: row.kind,
    role: row.role,
    caseId: row.caseId,
    taskId: row.taskId,
    payload: row.payload,
    platform: row.platform as Platform,
    chatId: row.chatId ?? '',
    threadId: row.threadId ? row.threadId : null,
    targetRef: row.targetRef,
    attempt,
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
