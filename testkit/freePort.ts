import { createServer } from 'node:net';

/** Ports already handed out by this process, so that two calls never return the same one. */
const handedOut = new Set<number>();

/**
 * Asks the OS for a TCP port that is free on `host` right now. Another process can still take it before
 * the caller binds it: callers that bind later should retry with a new port on "address already in use".
 *
 * @param host - the address to probe, `127.0.0.1` by default.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await probe(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free TCP port found on ${host}`);
}

async function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('listen(0) returned no port'))));
    });
  });
}
