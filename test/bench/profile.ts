/**
 * Where the time of a piece of work goes: a V8 CPU profile of just that work, its samples put in
 * a few buckets by the code they were in. "waiting" is time the process had nothing to run (the
 * database server was working, or the socket was in flight).
 */
import { Session } from 'node:inspector/promises';

export interface ProfileBreakdown {
  totalMs: number;
  /** Bucket → share of the profiled wall time, 0..1, largest first. */
  shares: Record<string, number>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

const BUCKETS: [string, (url: string, fn: string) => boolean][] = [
  ['waiting (database server, network)', (_u, fn) => fn === '(idle)'],
  ['PGlite (in-process Postgres, WebAssembly)', (u) => u.includes('@electric-sql/pglite') || u.startsWith('wasm://')],
  ['drizzle-orm (building SQL, mapping rows)', (u) => u.includes('drizzle-orm')],
  ['postgres.js driver', (u) => u.includes('/postgres/src/')],
  ['luxon (time zones)', (u) => u.includes('luxon')],
  ['sopbot: calendar', (u) => u.includes('/src/calendar/')],
  ['sopbot: workflow core + service', (u) => u.includes('/src/workflow/')],
  ['sopbot: store (SQL of the workflow)', (u) => u.includes('/src/db/')],
  ['benchmark harness', (u) => u.includes('/test/bench/')],
  ['garbage collection', (_u, fn) => fn === '(garbage collector)'],
  ['node internals, socket writes, other', () => true],
];

export async function profile<T>(work: () => Promise<T>): Promise<{ value: T; breakdown: ProfileBreakdown }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 1 ms: a transition takes several, and a finer interval slows what it measures.
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  let value: T;
  let cpu: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  try {
    value = await work();
  } finally {
    cpu = ((await session.post('Profiler.stop')) as unknown as { profile: typeof cpu }).profile;
    session.disconnect();
  }
  const nodes = new Map(cpu.nodes.map((n) => [n.id, n]));
  const bucketOf = new Map<number, string>();
  for (const n of cpu.nodes) bucketOf.set(n.id, BUCKETS.find(([, match]) => match(n.callFrame.url, n.callFrame.functionName))![0]);
  const totals = new Map<string, number>();
  let total = 0;
  cpu.samples.forEach((id, i) => {
    const dt = cpu.timeDeltas[i] ?? 0;
    total += dt;
    const bucket = nodes.has(id) ? bucketOf.get(id)! : 'node internals, socket writes, other';
    totals.set(bucket, (totals.get(bucket) ?? 0) + dt);
  });
  // For finding what to speed up next: the buckets say which library, this says which function.
  if (process.env.BENCH_PROFILE_TOP) {
    const self = new Map<string, number>();
    cpu.samples.forEach((id, i) => {
      const n = nodes.get(id);
      const key = n ? `${n.callFrame.functionName} ${n.callFrame.url.split('node_modules/').pop()}` : '?';
      self.set(key, (self.get(key) ?? 0) + (cpu.timeDeltas[i] ?? 0));
    });
    console.error([...self].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${(v / 1000).toFixed(0)}ms ${k}`).join('\n'));
  }
  const shares = Object.fromEntries(
    [...totals].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / Math.max(total, 1)) * 1000) / 1000]),
  );
  return { value, breakdown: { totalMs: Math.round(total / 1000), shares } };
}
