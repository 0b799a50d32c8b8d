/**
 * The service's HTTP face: health for the load balancer and, when enabled, the Telegram
 * webhook and Slack endpoints mounted by their adapters.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServer {
  server: Server;
  port: number;
  mount(path: string, route: Route): void;
  close(): Promise<void>;
}

/** Each part of the service that must work before traffic is sent here, and whether it does. */
export type Readiness = Record<string, boolean>;

export async function startHttpServer(options: {
  port: number;
  host?: string;
  ready: () => Promise<Readiness>;
  metrics?: () => Promise<{ contentType: string; body: string }>;
}): Promise<HttpServer> {
  const routes = new Map<string, Route>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      options.ready().then(
        (parts) => {
          const notReady = Object.entries(parts).filter(([, ok]) => !ok).map(([name]) => name);
          json(res, notReady.length ? 503 : 200, { status: notReady.length ? 'not ready' : 'ready', parts, notReady });
        },
        () => json(res, 503, { status: 'not ready', notReady: ['service'] }),
      );
      return;
    }
    if (path === '/metrics' && options.metrics) {
      options.metrics().then(
        (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
        () => json(res, 500, { error: 'metrics unavailable' }),
      );
      return;
    }
    const route = routes.get(path);
    if (!route) return json(res, 404, { error: 'not found' });
    Promise.resolve(route(req, res)).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : options.port,
    mount: (path, route) => void routes.set(path, route),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
