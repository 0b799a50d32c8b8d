import { createServer, Socket, type Server } from 'node:net';

/** A TCP relay to the database that a test can cut and restore, like a server going away. */
export class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<Relay> {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((r) => probe.close(r));
    const relay = new Relay(target, port);
    await relay.up();
    return relay;
  }

  private trapFirstQuery = false;

  /**
   * The next connection goes down, and the relay with it, the moment the client sends its first
   * query after the startup handshake: a database lost between connecting and answering.
   */
  cutAtFirstQuery(): void {
    this.trapFirstQuery = true;
  }

  up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      if (this.trapFirstQuery) {
        this.trapFirstQuery = false;
        client.on('data', firstQueryWatcher(() => void this.down()));
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', () => resolve()));
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server?.close(r));
  }
}

/**
 * Reads the client side of the wire protocol: an untyped startup message, then typed messages
 * (type byte, int32 length). Calls `onQuery` at the first Parse or simple Query.
 */
function firstQueryWatcher(onQuery: () => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  let startupSeen = false;
  let fired = false;
  return (chunk) => {
    if (fired) return;
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (!startupSeen) {
        if (buffered.length < 4) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        buffered = buffered.subarray(length);
        startupSeen = true;
        continue;
      }
      if (buffered.length < 5) return;
      const type = String.fromCharCode(buffered[0]!);
      if (type === 'P' || type === 'Q') {
        fired = true;
        onQuery();
        return;
      }
      const length = buffered.readInt32BE(1);
      if (buffered.length < 1 + length) return;
      buffered = buffered.subarray(1 + length);
    }
  };
}
