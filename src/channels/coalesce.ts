/**
 * Group commit for small statements that many updates run at once. Calls that arrive while a
 * batch is being written wait for it and then go together in the next one; a lone call goes at
 * the next turn of the event loop. So an idle service writes each call as before, and fifty
 * presses that arrive together (one getUpdates answer) cost the database two statements, not
 * fifty: each statement is a round trip on PostgreSQL, and on PGlite it queues behind every
 * other statement of the process.
 */
export class Coalescer<K, R> {
  private pending: { key: K; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private writing = false;
  private scheduled = false;

  /**
   * @param write answers a batch of keys in their order (the same key may come twice)
   * @param maxBatch keys per statement at most
   */
  constructor(
    private readonly write: (keys: K[]) => Promise<R[]>,
    private readonly maxBatch = 100,
  ) {}

  call(key: K): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.writing || this.scheduled || !this.pending.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      const results = await this.write(batch.map((b) => b.key));
      if (results.length !== batch.length) throw new Error(`coalesced write answered ${results.length} of ${batch.length} calls`);
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (e) {
      // The statement failed for all of them, as each alone would have.
      for (const b of batch) b.reject(e);
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
