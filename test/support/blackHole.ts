/**
 * Endpoints that accept connections and never answer: what a hung dependency looks like to a client (a TLS
 * handshake or an HTTP response that never comes). Tests point a real SDK client at one and assert that the
 * call fails within its bound.
 */
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/** A running black hole. */
export interface BlackHole {
  /** Port on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far (proves the client did reach it). */
  connections(): number;
  /** Closes the server and destroys every connection it holds. */
  close(): Promise<void>;
}

/**
 * A TCP server that accepts and never sends a byte (for HTTPS clients: the TLS handshake never completes).
 */
export function startTcpBlackHole(): Promise<BlackHole> {
  return listen(createTcpServer());
}

/**
 * An HTTP server that reads requests and answers only those `answer` picks (with its status and no body); the
 * others never get a response. Lets a client get past a set-up call (e.g. create table) and hang on the next.
 * @param answer - status to answer a request with, or undefined to leave it hanging
 */
export function startHttpBlackHole(
  answer: (req: IncomingMessage) => number | undefined = () => undefined,
): Promise<BlackHole> {
  return listen(
    createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const status = answer(req);
      req.resume();
      if (status !== undefined) req.on('end', () => res.writeHead(status).end());
    }),
  );
}

async function listen(server: Server): Promise<BlackHole> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (s: Socket) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
