/**
 * One benchmark on one driver, in a process of its own so its resident memory is its own:
 * PGlite lives inside the process and WebAssembly memory never shrinks, so figures taken after
 * another benchmark ran would carry that one's peak. Reports to the parent over IPC (or prints).
 *
 *   tsx test/bench/child.ts <memory|idle|engine|latency|sweep|delivery|sheet|report> <pglite|postgres>
 */
import { benchDelivery } from './delivery.js';
import { openBenchDatabase, type Driver } from './db.js';
import { benchEngine } from './engine.js';
import { benchIdle } from './idle.js';
import { benchLatency } from './latency.js';
import { benchMemory } from './memory.js';
import { benchMonev } from './monev.js';
import { RssSampler, ServerMemorySampler, settledRssMb } from './measure.js';
import { benchSheet } from './sheet.js';
import { benchSweep } from './sweep.js';
import { BENCHES, type BenchName, type ChildReport } from './types.js';

async function main() {
  const bench = process.argv[2] as BenchName;
  const driver = process.argv[3] as Driver;
  if (!BENCHES.includes(bench) || (driver !== 'pglite' && driver !== 'postgres')) {
    throw new Error(`usage: child.ts <${BENCHES.join('|')}> <pglite|postgres>`);
  }
  const started = performance.now();
  const report: ChildReport = { bench, driver, ok: false, seconds: 0 };
  if (bench === 'memory') {
    // The service in a process of its own, measured from outside: nothing to open here.
    try {
      report.result = await benchMemory(driver);
      report.ok = true;
    } catch (e) {
      report.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    }
    report.seconds = Math.round((performance.now() - started) / 100) / 10;
    if (process.send) process.send(report, () => process.exit(0));
    else console.log(JSON.stringify(report, null, 2));
    return;
  }
  // The service's default pool (10): it serves the 8 concurrent workers and the 50 presses.
  const database = await openBenchDatabase(driver, { maxConnections: Number(process.env.BENCH_POOL ?? 10), pgliteTemplate: process.env.BENCH_PGLITE_TEMPLATE });
  let sampler: RssSampler | undefined;
  let serverSampler: ServerMemorySampler | undefined;
  let idleMb = 0;
  // Each benchmark calls ready() once its set-up is done and the load is about to start.
  const ready = async () => {
    idleMb = await settledRssMb();
    sampler = new RssSampler();
    if (database.serverMemory) serverSampler = await ServerMemorySampler.start(database.serverMemory);
  };
  const sample = () => void sampler?.mark();
  try {
    switch (bench) {
      case 'idle':
        report.result = await benchIdle(database, ready);
        break;
      case 'engine':
        await ready();
        report.result = await benchEngine(database, driver, sample);
        break;
      case 'latency':
        report.result = await benchLatency(database, driver, ready, sample);
        break;
      case 'sweep':
        report.result = await benchSweep(database, driver, ready, sample);
        break;
      case 'delivery':
        report.result = await benchDelivery(database, driver, ready, sample);
        break;
      case 'sheet':
        report.result = await benchSheet(database, ready, sample);
        break;
      case 'report':
        report.result = await benchMonev(database, driver, ready, sample);
        break;
    }
    report.ok = true;
  } catch (e) {
    report.error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  } finally {
    const mem = sampler?.stop();
    const server = await serverSampler?.stop().catch(() => undefined);
    if (mem) report.memory = { idleMb, ...mem, ...(server ? { server } : {}) };
    await database.close().catch((e: unknown) => {
      report.error = `${report.error ?? ''}\nclose: ${String(e)}`;
    });
    report.seconds = Math.round((performance.now() - started) / 100) / 10;
  }
  if (process.send) process.send(report, () => process.exit(0));
  else {
    console.log(JSON.stringify(report, null, 2));
    process.exit(report.ok ? 0 : 1);
  }
}

void main();
