/**
 * A server that is not Slack nor Telegram, on loopback: where an external file's link, or a
 * redirect, would take the service. It records every request and whether it carried a token,
 * so a test can show that the bot token never left the platform's own host.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OutsideRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface OutsideServer {
  base: string;
  requests: OutsideRequest[];
  close(): Promise<void>;
}

export async function startOutsideServer(body: Buffer | string = '%PDF-1.4 berkas dari luar'): Promise<OutsideServer> {
  const requests: OutsideRequest[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/pdf' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // Another loopback address than the fakes' 127.0.0.1: another host, as a real foreign one would be.
    base: `http://127.0.0.2:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
