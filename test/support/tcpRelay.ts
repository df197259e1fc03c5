/**
 * A TCP relay in front of a server (a kube-apiserver of the test stack) whose link can be cut and restored:
 * the outage a cluster shows when its network, its API endpoint or the apiserver itself is down, without
 * stopping the shared apiserver. TLS passes through untouched, so the client still verifies the apiserver's
 * certificate (issued for 127.0.0.1, where the relay listens).
 */
import type { AddressInfo, Socket } from 'node:net';
import { connect, createServer } from 'node:net';

/** A running relay. */
export interface TcpRelay {
  /** `https://127.0.0.1:<port>`: use it as the server of a kubeconfig. */
  readonly url: string;
  /**
   * Cuts (false) or restores (true) the link. Cutting resets every open connection; while cut, new
   * connections are accepted and reset at once (the client sees `ECONNRESET`).
   */
  setConnected(connected: boolean): void;
  /** Connections reset while the link was cut. */
  readonly refused: number;
  close(): Promise<void>;
}

/**
 * Starts a relay to `target`.
 * @param target - the server's URL, e.g. `https://127.0.0.1:6443`
 */
export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let connected = true;
  let refused = 0;
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (!connected) {
      refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${address.port}`,
    setConnected(value) {
      connected = value;
      if (!value) for (const s of sockets) s.resetAndDestroy();
    },
    get refused() {
      return refused;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
