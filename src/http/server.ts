/**
 * The service's HTTP face: health for the load balancer, metrics for Prometheus and, when
 * enabled, the Telegram webhook and Slack endpoints mounted by their adapters.
 *
 * Every request body is capped (MAX_BODY_BYTES): a declared Content-Length over the cap gets
 * 413 before a byte is read, and a chunked body is cut off where it passes the cap (readBody).
 * /metrics and /readyz may ask for a bearer token (METRICS_TOKEN), and may move to a listener
 * of their own (METRICS_PORT, on loopback by default) so that they are not on the public port.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServer {
  server: Server;
  port: number;
  /** The metrics listener's port when METRICS_PORT is set, else undefined (metrics on `port`). */
  metricsPort: number | undefined;
  mount(path: string, route: Route): void;
  close(): Promise<void>;
}

/** Each part of the service that must work before traffic is sent here, and whether it does. */
export type Readiness = Record<string, boolean>;

/** Telegram updates and Slack payloads are a few KB; nothing legitimate comes near this. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a request body up to `limit` bytes; past it, stops reading and throws BodyTooLargeError
 * (the caller answers 413 with tooLarge, which also drops the connection).
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** 413, and the connection closed: the rest of an oversized body is never read. */
export function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('payload too large');
  res.once('finish', () => req.destroy());
}

export interface HttpServerOptions {
  port: number;
  host?: string;
  ready: () => Promise<Readiness>;
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Bearer token for /metrics and /readyz's details (METRICS_TOKEN). */
  metricsToken?: string;
  /** A separate listener for /metrics, /readyz and /healthz (METRICS_PORT, METRICS_HOST). */
  metricsListener?: { port: number; host: string };
  maxBodyBytes?: number;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const routes = new Map<string, Route>();
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const expected = options.metricsToken ? Buffer.from(`Bearer ${options.metricsToken}`) : undefined;
  const authorized = (req: IncomingMessage) => {
    if (!expected) return true;
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  /** /healthz, /readyz and /metrics; true when the path was one of them. */
  const operational = (path: string, req: IncomingMessage, res: ServerResponse): boolean => {
    if (path === '/healthz') {
      json(res, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      options.ready().then(
        (parts) => {
          const notReady = Object.entries(parts).filter(([, ok]) => !ok).map(([name]) => name);
          // Without the token, only the verdict: which parts fail says what is configured.
          const details = authorized(req) ? { parts, notReady } : {};
          json(res, notReady.length ? 503 : 200, { status: notReady.length ? 'not ready' : 'ready', ...details });
        },
        () => json(res, 503, { status: 'not ready' }),
      );
      return true;
    }
    if (path === '/metrics' && options.metrics) {
      if (!authorized(req)) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized');
        return true;
      }
      options.metrics().then(
        (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
        () => json(res, 500, { error: 'metrics unavailable' }),
      );
      return true;
    }
    return false;
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    // Before routing, so that no endpoint (a mounted one, or one that ignores bodies) reads an oversized one.
    if (Number(req.headers['content-length'] ?? 0) > maxBody) return tooLarge(req, res);
    if (!options.metricsListener && operational(path, req, res)) return;
    if (options.metricsListener && path === '/healthz') return void json(res, 200, { status: 'ok' });
    const route = routes.get(path);
    if (!route) {
      req.resume();
      return json(res, 404, { error: 'not found' });
    }
    Promise.resolve(route(req, res)).catch((e: unknown) => {
      if (e instanceof BodyTooLargeError) return tooLarge(req, res);
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  });
  await listen(server, options.port, options.host ?? '0.0.0.0');

  let metricsServer: Server | undefined;
  if (options.metricsListener) {
    metricsServer = createServer((req, res) => {
      req.resume();
      const path = (req.url ?? '/').split('?')[0]!;
      if (!operational(path, req, res)) json(res, 404, { error: 'not found' });
    });
    await listen(metricsServer, options.metricsListener.port, options.metricsListener.host);
  }
  return {
    server,
    port: portOf(server, options.port),
    metricsPort: metricsServer ? portOf(metricsServer, options.metricsListener!.port) : undefined,
    mount: (path, route) => void routes.set(path, route),
    close: async () => {
      await Promise.all([server, metricsServer].filter((s): s is Server => s !== undefined).map(closeServer));
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function portOf(server: Server, fallback: number): number {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : fallback;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
