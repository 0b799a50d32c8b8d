/** Small measuring tools shared by the benchmarks: percentiles, resident memory, bounded waits. */

export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p99 of 500 samples is the 495th, an observed value, not an interpolation.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (values: number[]) => percentile(values, 50);

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/**
 * Samples process RSS every `everyMs` until stopped; the peak is what the load cost. Timers
 * run late when the loop is busy, so a sample is also taken at every mark().
 */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(everyMs = 20) {
    this.mark();
    this.timer = setInterval(() => this.mark(), everyMs);
    this.timer.unref();
  }
  mark(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
    return rss;
  }
  stop(): { peakMb: number; endMb: number } {
    clearInterval(this.timer);
    const end = this.mark();
    return { peakMb: mb(this.peak), endMb: mb(end) };
  }
}

/** RSS after giving the collector a chance: what the process holds at rest. */
export async function settledRssMb(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(100);
  }
  return mb(process.memoryUsage.rss());
}

/**
 * Samples the server-side memory of the service's PostgreSQL connections (see
 * BenchDatabase.serverMemory) once a second: a query and a /proc read, so not at every mark.
 */
export class ServerMemorySampler {
  private peak = 0;
  private backends = 0;
  private readable = true;
  private readonly timer: NodeJS.Timeout;
  private pending: Promise<void> = Promise.resolve();
  private constructor(
    private readonly read: () => Promise<{ mb: number; backends: number } | undefined>,
    readonly idleMb: number,
  ) {
    this.note({ mb: idleMb, backends: 0 });
    this.timer = setInterval(() => {
      this.pending = this.sample().then(() => {});
    }, 1000);
    this.timer.unref();
  }

  /** Undefined when the server's processes cannot be read from here. */
  static async start(read: () => Promise<{ mb: number; backends: number } | undefined>): Promise<ServerMemorySampler | undefined> {
    const first = await read().catch(() => undefined);
    return first ? new ServerMemorySampler(read, first.mb) : undefined;
  }

  private note(m: { mb: number; backends: number }) {
    this.peak = Math.max(this.peak, m.mb);
    this.backends = Math.max(this.backends, m.backends);
  }

  private async sample(): Promise<number | undefined> {
    const m = await this.read().catch(() => undefined);
    if (!m) {
      this.readable = false;
      return undefined;
    }
    this.note(m);
    return m.mb;
  }

  async stop(): Promise<{ idleMb: number; peakMb: number; endMb: number; backends: number } | undefined> {
    clearInterval(this.timer);
    await this.pending;
    const end = await this.sample();
    if (!this.readable || end === undefined) return undefined;
    return { idleMb: this.idleMb, peakMb: this.peak, endMb: end, backends: this.backends };
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function until<T>(what: string, timeoutMs: number, probe: () => T | Promise<T>, everyMs = 5): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const round = (n: number, digits = 1) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
