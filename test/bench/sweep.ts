/**
 * Reminder sweep over 10 000 and 100 000 open tasks: the time of one Scheduler.sweep when
 * nothing is due, when 1% is due, and (at 100 000) when the same 100 tasks are due as at 1% of
 * 10 000. The open tasks are written in bulk (generate_series, as the scheduler's integration
 * test does); the due ones are overdue, so each writes an overdue notice and an escalation.
 * Due tasks are picked by id: ≡ 5 mod 10 of the first 5 000 (warm-up), ≡ 10–12 and 20–22 mod 100
 * (1%), ≡ 37–39 mod 1 000 (100 of 100 000), so every sweep meets tasks never swept before.
 */
import { silentLogger } from '../../src/logging.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { contentHash } from '../../src/sop/loader.js';
import { WorkflowService } from '../../src/service/workflow-service.js';
import type { Actor } from '../../src/workflow/model.js';
import { sampleSop } from '../support/sample-sop.js';
import type { BenchDatabase, Driver } from './db.js';
import { median, round } from './measure.js';

export interface SweepCase {
  open: number;
  due: number;
  /** Median of the repetitions, ms. */
  ms: number;
  runs: number[];
  enqueued: number;
}

export interface SweepResult {
  cases: SweepCase[];
}

const wib = (local: string) => new Date(`${local}:00+07:00`);
const NOW = wib('2026-11-23T10:00');
const OPENED = wib('2026-11-23T09:00');
const LATE_DUE = wib('2026-11-23T09:10');
const FAR = wib('2027-06-30T10:00');

export async function benchSweep(database: BenchDatabase, _driver: Driver, ready: () => Promise<void>, sample: () => void): Promise<SweepResult> {
  const service = new WorkflowService(database.db, { clock: () => OPENED });
  await service.registerDefinitions([{ definition: sampleSop, contentHash: contentHash(sampleSop) }]);
  const kabid: Actor = { channel: 'cli', userId: 'admin', name: 'Admin', role: 'kabid' };
  const { caseId } = await service.startCase('contoh', 'Beban pengingat', kabid);
  const scheduler = new Scheduler({
    db: database.db,
    service,
    logger: silentLogger,
    escalationChain: { asesor: 'subkor', subkor: 'kabid' },
    digest: { role: 'kabid', time: '07:30', timezone: 'Asia/Jakarta' },
  });
  await ready();

  const cases: SweepCase[] = [];
  let open = 1; // the case's own first task (due 09:10, checked at once): swept away below
  await scheduler.sweep(NOW);

  const sweep = async (expectDue: number) => {
    sample();
    const started = performance.now();
    const result = await scheduler.sweep(NOW);
    const ms = performance.now() - started;
    sample();
    if (result.checked !== expectDue) throw new Error(`sweep checked ${result.checked} tasks, expected ${expectDue}`);
    return { ms, enqueued: result.enqueued };
  };
  const measure = async (due: number, reps: number, makeDue: (rep: number) => Promise<number>) => {
    const runs: number[] = [];
    let enqueued = 0;
    for (let rep = 0; rep < reps; rep++) {
      const marked = due ? await makeDue(rep) : 0;
      if (marked !== due) throw new Error(`marked ${marked} tasks due, wanted ${due}`);
      const r = await sweep(due);
      runs.push(round(r.ms, 1));
      enqueued += r.enqueued;
    }
    cases.push({ open, due, ms: round(median(runs), 1), runs, enqueued: Math.round(enqueued / reps) });
  };
  /** Makes the open tasks with id % modulo == remainder overdue and due for a check now. */
  const markDue = async (modulo: number, remainder: number) => {
    const rows = await database.raw(
      `update tasks set due_at = $1, next_check_at = $2
        where case_id = $3 and step_id = '2' and status = 'open' and id % $4 = $5 and next_check_at > $2 returning id`,
      [LATE_DUE.toISOString(), NOW.toISOString(), caseId, modulo, remainder],
    );
    return rows.length;
  };

  // Warm-up, not recorded: the first sweeps that write notices run on code not yet optimised
  // (V8 compiles JavaScript, and PGlite's WebAssembly, in tiers as they get hot), which would
  // otherwise land on the first figure (10 000 open, 100 due).
  await grow(database, caseId, 5_000 - open, open);
  open = 5_000;
  const warm = await markDue(10, 5);
  if (warm !== 500) throw new Error(`marked ${warm} tasks due for the warm-up, wanted 500`);
  await sweep(500);

  for (const target of [10_000, 100_000]) {
    await grow(database, caseId, target - open, open);
    open = target;
    await database.raw('analyze tasks');
    await measure(0, 5, async () => 0);
    // Distinct remainders in each phase, so every repetition finds tasks never swept before (and
    // never the case's own first task, id 1).
    const base = target === 10_000 ? 10 : 20;
    await measure(target / 100, 3, (rep) => markDue(100, base + rep));
    if (target === 100_000) await measure(100, 3, (rep) => markDue(1000, 37 + rep));
  }
  return { cases };
}

/** Adds `n` open tasks that are not due for a long time (next check in 2027). */
async function grow(database: BenchDatabase, caseId: number, n: number, from: number) {
  await database.raw(
    `insert into tasks (case_id, step_id, visit, kind, roles, status, opened_at, due_at, next_check_at)
     select $1, '2', g, 'decision', '["subkor"]'::jsonb, 'open', $2::timestamptz, $3::timestamptz, $3::timestamptz
       from generate_series($4::int, $5::int) g`,
    [caseId, OPENED.toISOString(), FAR.toISOString(), from + 1, from + n],
  );
}
