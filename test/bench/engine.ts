/**
 * Engine throughput: Selesai presses through WorkflowService.act, against a baseline that writes
 * the same rows with hand-written SQL in one transaction per transition, on the driver's own
 * client (PGlite: the same instance; PostgreSQL: a pool as large as the service's, prepared
 * statements as the service's), in alternating rounds so both see the same table sizes and
 * machine state.
 *
 * One transition of the chain SOP: read the case, close the task (guarded by its version), open
 * the next task, two audit events, two outbox rows (edit of the old card, the new card), case
 * version bump. The baseline is what a careful hand-written handler of a button press would do:
 * the press carries only task id and version, so it locks the case through the task in one
 * statement, then writes the five statements the engine writes.
 *
 * The engine no longer locks: it reads the case in one statement and writes in one that checks
 * the versions it read. So a second, leaner hand-written handler is measured beside it, for
 * reference: the same rows in a single statement, guarded by the task's version, with no read at
 * all (it trusts the button). What the engine does beyond it is reading the case it decides on.
 */
import { LINEAR_ROLES, LINEAR_STEPS, linearSop } from './sops.js';
import type { BenchDatabase, Driver } from './db.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import type { Actor } from '../../src/workflow/model.js';
import { round } from './measure.js';
import { profile } from './profile.js';

export interface EngineRun {
  concurrency: number;
  engineTps: number;
  baselineTps: number;
  /** engine / baseline */
  ratio: number;
  engineTransitions: number;
  baselineTransitions: number;
  /** The one-statement handler (for reference; no target). */
  oneStatementTps: number;
  /** engine / one-statement handler */
  oneStatementRatio: number;
  oneStatementTransitions: number;
  /** Mean wall time of one transition, ms. */
  engineMeanMs: number;
  baselineMeanMs: number;
}

interface Cursor {
  taskId: number;
  /** Step of the open task (1-based); the chain stops before its last step. */
  step: number;
  version: number;
}

const actorFor = (step: number): Actor => {
  const role = LINEAR_ROLES[(step - 1) % 2]!;
  return { channel: 'telegram', userId: `u-${role}`, name: `Petugas ${role}`, role };
};

interface EngineOptions {
  roundMs: number;
  rounds: number;
  /**
   * Workers pressing at once, and the cases each side gets (split among the workers); each
   * case takes up to 38 transitions, enough for the whole run on a fast machine (the
   * one-statement handler runs through about 2 000 a second one at a time).
   */
  levels: { concurrency: number; cases: number }[];
  /** Workers starting the cases (set-up, not measured). */
  starters: number;
}

function engineOptions(driver: Driver): EngineOptions {
  // PGlite is one connection: more workers only queue behind its lock.
  return driver === 'pglite'
    ? { roundMs: 400, rounds: 12, levels: [{ concurrency: 1, cases: 600 }], starters: 1 }
    : {
        roundMs: 400,
        rounds: 12,
        levels: [
          { concurrency: 1, cases: 600 },
          { concurrency: 8, cases: 1200 },
        ],
        starters: 8,
      };
}

/** Per transition: wall ms in each bucket of a CPU profile of one more round (concurrency 1). */
export interface EngineProfile {
  engine: { transitions: number; msPerTransition: Record<string, number> };
  baseline: { transitions: number; msPerTransition: Record<string, number> };
}

/** Per transition, counted over a few hundred more (concurrency 1); BEGIN and COMMIT not counted. */
export interface EngineStatements {
  engine: { statements: number; rows: number };
  baseline: { statements: number; rows: number };
}

export interface EngineResult {
  runs: EngineRun[];
  profile: EngineProfile;
  statements: EngineStatements;
}

export async function benchEngine(database: BenchDatabase, driver: Driver, onSample: () => void): Promise<EngineResult> {
  const opts = engineOptions(driver);
  const service = new WorkflowService(database.db);
  await service.registerDefinitions([linearSop]);
  const results: EngineRun[] = [];
  let profiled: EngineProfile | undefined;
  let statements: EngineStatements | undefined;

  for (const { concurrency, cases } of opts.levels) {
    const enginePool = await startCases(service, cases, concurrency, opts.starters);
    const baselinePool = await startCases(service, cases, concurrency, opts.starters);
    const oneStatementPool = await startCases(service, cases, concurrency, opts.starters);
    const engineStep = async (c: Cursor) => {
      const result = await service.act(c.taskId, { type: 'complete' }, actorFor(c.step), c.version);
      return { taskId: result.openedTaskIds[0]!, step: c.step + 1, version: 1 };
    };
    const baselineStep = (c: Cursor) => baselineTransition(database, c);
    const oneStatementStep = (c: Cursor) => oneStatementTransition(database, c);
    const sides = {
      engine: { pool: enginePool, step: engineStep },
      baseline: { pool: baselinePool, step: baselineStep },
      oneStatement: { pool: oneStatementPool, step: oneStatementStep },
    };

    // Warm-up: JIT, prepared statements, pool connections; not counted.
    await drive(enginePool, concurrency, 1000, engineStep, onSample);
    await drive(baselinePool, concurrency, 1000, baselineStep, onSample);
    await drive(oneStatementPool, concurrency, 1000, oneStatementStep, onSample);

    const totals = { engine: { n: 0, ms: 0 }, baseline: { n: 0, ms: 0 }, oneStatement: { n: 0, ms: 0 } };
    // Short alternating slices: the machine's load drifts (other work shares it), and a drift
    // then falls on all sides alike instead of on whichever ran during it.
    const orders = [
      ['baseline', 'engine', 'oneStatement'],
      ['engine', 'oneStatement', 'baseline'],
      ['oneStatement', 'baseline', 'engine'],
    ] as const;
    for (let r = 0; r < opts.rounds; r++) {
      for (const which of orders[r % orders.length]!) {
        const { n, ms } = await drive(sides[which].pool, concurrency, opts.roundMs, sides[which].step, onSample);
        totals[which].n += n;
        totals[which].ms += ms;
      }
    }
    const engineTps = (totals.engine.n / totals.engine.ms) * 1000;
    const baselineTps = (totals.baseline.n / totals.baseline.ms) * 1000;
    const oneStatementTps = (totals.oneStatement.n / totals.oneStatement.ms) * 1000;
    results.push({
      concurrency,
      engineTps: round(engineTps),
      baselineTps: round(baselineTps),
      ratio: round(engineTps / baselineTps, 3),
      engineTransitions: totals.engine.n,
      baselineTransitions: totals.baseline.n,
      engineMeanMs: round((totals.engine.ms * concurrency) / totals.engine.n, 3),
      baselineMeanMs: round((totals.baseline.ms * concurrency) / totals.baseline.n, 3),
      oneStatementTps: round(oneStatementTps),
      oneStatementRatio: round(engineTps / oneStatementTps, 3),
      oneStatementTransitions: totals.oneStatement.n,
    });
    if (!profiled) {
      // Concurrency 1, so the buckets add up to the time of one transition.
      const perTransition = async (run: () => Promise<{ n: number; ms: number }>) => {
        const { value, breakdown } = await profile(run);
        const ms = Object.fromEntries(
          Object.entries(breakdown.shares).map(([bucket, share]) => [bucket, round((share * breakdown.totalMs) / Math.max(value.n, 1), 3)]),
        );
        return { transitions: value.n, msPerTransition: ms };
      };
      profiled = {
        engine: await perTransition(() => drive(enginePool, 1, 2000, engineStep, onSample)),
        baseline: await perTransition(() => drive(baselinePool, 1, 2000, baselineStep, onSample)),
      };
      const perStep = (n: number, c: { statements: number; rows: number }) => ({ statements: round(c.statements / n, 2), rows: round(c.rows / n, 1) });
      const engineCount = await database.countServiceStatements(() => drive(enginePool, 1, 1000, engineStep, onSample));
      const before = { ...database.rawCount };
      const baselineRun = await drive(baselinePool, 1, 1000, baselineStep, onSample);
      statements = {
        engine: perStep(engineCount.value.n, engineCount.count),
        baseline: perStep(baselineRun.n, { statements: database.rawCount.statements - before.statements, rows: database.rawCount.rows - before.rows }),
      };
    }
    await checkRows(database, [enginePool, baselinePool, oneStatementPool]);
  }
  return { runs: results, profile: profiled!, statements: statements! };
}

/** Cases split among the workers: worker i owns cases i, i+c, ... so no two presses share a case. */
async function startCases(service: WorkflowService, n: number, concurrency: number, starters: number): Promise<Cursor[][]> {
  const cursors: Cursor[] = [];
  const actor = actorFor(1);
  let next = 0;
  await Promise.all(
    Array.from({ length: starters }, async () => {
      while (next < n) {
        const i = next++;
        const started = await service.startCase(linearSop.definition.id, `Beban ${i}`, actor);
        cursors.push({ taskId: started.openedTaskIds[0]!, step: 1, version: 1 });
      }
    }),
  );
  return Array.from({ length: concurrency }, (_, w) => cursors.filter((_, i) => i % concurrency === w));
}

/** Runs transitions for `ms` on `concurrency` workers; returns how many and how long. Throws if the cases ran out first. */
async function drive(
  pool: Cursor[][],
  concurrency: number,
  ms: number,
  step: (c: Cursor) => Promise<Cursor>,
  onSample: () => void,
): Promise<{ n: number; ms: number }> {
  const started = performance.now();
  const stopAt = started + ms;
  let n = 0;
  await Promise.all(
    pool.slice(0, concurrency).map(async (cursors) => {
      let i = 0;
      let idleTurns = 0;
      while (performance.now() < stopAt && idleTurns < cursors.length) {
        const at = i++ % cursors.length;
        const c = cursors[at]!;
        // The last step ends the case: a different transition, so the chain stops before it.
        if (c.step >= LINEAR_STEPS - 1) {
          idleTurns++;
          continue;
        }
        idleTurns = 0;
        cursors[at] = await step(c);
        n++;
        if ((n & 63) === 0) onSample();
      }
    }),
  );
  const elapsed = performance.now() - started;
  // Stopped for want of cases before its time: the figures would describe a partial round.
  if (elapsed < ms) throw new Error(`the benchmark's cases ran out after ${Math.round(elapsed)} of ${ms} ms; start more`);
  return { n, ms: elapsed };
}

const nextStepRole = (step: number) => LINEAR_ROLES[step % 2]!;

async function baselineTransition(database: BenchDatabase, c: Cursor): Promise<Cursor> {
  const now = new Date();
  const actor = actorFor(c.step);
  const nextStep = c.step + 1;
  const due = new Date(now.getTime() + 3_600_000);
  const newTaskId = await database.rawTransaction(async (q) => {
    const [locked] = await q(
      'select c.id, c.version from cases c join tasks t on t.case_id = c.id where t.id = $1 for update of c',
      [c.taskId],
    );
    if (!locked) throw new Error(`task ${c.taskId} has no case`);
    const caseId = Number(locked.id);
    const caseVersion = Number(locked.version);
    const done = await q(
      `update tasks set status = 'completed', action = 'done', done_at = $2, done_by = $3::jsonb, went_to = $4, version = version + 1
        where id = $1 and version = $5 and status = 'open' returning id`,
      [c.taskId, now.toISOString(), JSON.stringify(actor), String(nextStep), c.version],
    );
    if (!done.length) throw new Error(`task ${c.taskId} changed concurrently`);
    const [opened] = await q(
      `insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, confirmations, next_check_at)
        values ($1, $2, 1, 'task', $3::jsonb, 'open', $4, $5, '[]'::jsonb, $4) returning id`,
      [caseId, String(nextStep), JSON.stringify([nextStepRole(c.step)]), now.toISOString(), due.toISOString()],
    );
    const openedId = Number(opened!.id);
    await q(
      `insert into events (case_id, task_id, type, actor, channel, data, at) values
        ($1, $2, 'task.completed', $3::jsonb, 'telegram', $4::jsonb, $5),
        ($1, $6, 'task.opened', $3::jsonb, 'telegram', $7::jsonb, $5)`,
      [
        caseId,
        c.taskId,
        JSON.stringify(actor),
        JSON.stringify({ stepId: String(c.step), to: String(nextStep) }),
        now.toISOString(),
        openedId,
        JSON.stringify({ stepId: String(nextStep), visit: 1, dueAt: due.toISOString() }),
      ],
    );
    await q(
      `insert into outbox (kind, role, case_id, task_id, payload, dedupe_key) values
        ('card-update', null, $1, $2, '{}'::jsonb, $3),
        ('card', $4, $1, $5, '{}'::jsonb, $6)
        on conflict (dedupe_key) do nothing`,
      [caseId, c.taskId, `card-update:${c.taskId}:c${caseVersion + 1}`, nextStepRole(c.step), openedId, `card:${openedId}:${nextStepRole(c.step)}`],
    );
    await q('update cases set version = version + 1 where id = $1', [caseId]);
    return openedId;
  });
  return { taskId: newTaskId, step: nextStep, version: 1 };
}

/**
 * The same rows as `baselineTransition` in one statement: close the task if it is still at the
 * button's version, and only then open the next, write the events and outbox rows and bump the
 * case (each part selects from the closing, so a stale press writes nothing).
 */
async function oneStatementTransition(database: BenchDatabase, c: Cursor): Promise<Cursor> {
  const now = new Date().toISOString();
  const actor = actorFor(c.step);
  const nextStep = c.step + 1;
  const role = nextStepRole(c.step);
  const due = new Date(Date.now() + 3_600_000).toISOString();
  const [row] = await database.raw(
    `with done as (
       update tasks set status = 'completed', action = 'done', done_at = $2, done_by = $3::jsonb, went_to = $4, version = version + 1
        where id = $1::bigint and version = $5 and status = 'open' returning id, case_id),
     bumped as (update cases set version = version + 1 where id = (select case_id from done) returning id, version),
     opened as (
       insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, confirmations, next_check_at)
       select case_id, $4, 1, 'task', $6::jsonb, 'open', $2, $7, '[]'::jsonb, $2 from done returning id, case_id),
     new_events as (
       insert into events (case_id, task_id, type, actor, channel, data, at)
       select case_id, id, 'task.completed', $3::jsonb, 'telegram', $8::jsonb, $2 from done
       union all select case_id, id, 'task.opened', $3::jsonb, 'telegram', $9::jsonb, $2 from opened),
     new_outbox as (
       insert into outbox (kind, role, case_id, task_id, payload, dedupe_key)
       select 'card-update', null, b.id, $1::bigint, '{}'::jsonb, 'card-update:' || $1::bigint || ':c' || b.version from bumped b
       union all select 'card', $10::text, o.case_id, o.id, '{}'::jsonb, 'card:' || o.id || ':' || $10::text from opened o
       on conflict (dedupe_key) do nothing)
     select (select id from opened) as opened_id`,
    [
      c.taskId,
      now,
      JSON.stringify(actor),
      String(nextStep),
      c.version,
      JSON.stringify([role]),
      due,
      JSON.stringify({ stepId: String(c.step), to: String(nextStep) }),
      JSON.stringify({ stepId: String(nextStep), visit: 1, dueAt: due }),
      role,
    ],
  );
  if (row?.opened_id === null || row?.opened_id === undefined) throw new Error(`task ${c.taskId} changed concurrently`);
  return { taskId: Number(row.opened_id), step: nextStep, version: 1 };
}

/** Every side wrote the same shape: per transition one closed task, one new task, two events, two outbox rows. */
async function checkRows(database: BenchDatabase, pools: Cursor[][][]) {
  const count = async (ids: number[]) => {
    const [row] = await database.raw(
      `select
         (select count(*) from tasks where case_id = any($1::bigint[]) and status = 'completed') as closed,
         (select count(*) from tasks where case_id = any($1::bigint[])) as tasks,
         (select count(*) from events where case_id = any($1::bigint[]) and type in ('task.completed', 'task.opened')) as events,
         (select count(*) from outbox where case_id = any($1::bigint[])) as outbox,
         (select coalesce(sum(version - 1), 0) from cases where id = any($1::bigint[])) as bumps`,
      [ids],
    );
    return { closed: Number(row!.closed), tasks: Number(row!.tasks), events: Number(row!.events), outbox: Number(row!.outbox), bumps: Number(row!.bumps) };
  };
  for (const pool of pools) {
    const taskIds = pool.flat().map((c) => c.taskId);
    const rows = await database.raw('select distinct case_id from tasks where id = any($1::bigint[])', [taskIds]);
    const caseIds = rows.map((r) => Number(r.case_id));
    const n = await count(caseIds);
    const cases = caseIds.length;
    // startCase wrote one task, one task.opened event, one card and one version bump per case.
    const ok = n.tasks === cases + n.closed && n.events === cases + 2 * n.closed && n.outbox === cases + 2 * n.closed && n.bumps === cases + n.closed;
    if (!ok) throw new Error(`rows do not match the transitions: ${JSON.stringify({ cases, ...n })}`);
  }
}
