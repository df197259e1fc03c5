import { connect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of one kube-apiserver: the service's registration points at it, so the
 * soak can make that cluster unreachable without touching the apiserver. While black-holed it stalls every
 * connection, old and new: nothing is read or forwarded, nothing is closed (packets dropped, not refused: the
 * client only learns through its own timeouts). Afterwards traffic flows again. TLS passes through untouched,
 * so the apiserver's certificate (SAN 127.0.0.1) still verifies.
 */
interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Bytes held while black-holed, per direction (delivered afterwards, as TCP retransmission would). */
  readonly toUpstream: Buffer[];
  readonly toClient: Buffer[];
}

export class BlackholeProxy {
  /** `https://127.0.0.1:<port>`: the apiserver URL to hand out instead of the real one. */
  readonly url: string;
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<Pair>();
  #holed = false;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /**
   * Starts a proxy for `target` (an `https://host:port` URL).
   * @param target - the apiserver URL
   */
  static async start(target: string): Promise<BlackholeProxy> {
    const u = new URL(target);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const proxy = new BlackholeProxy(server, { host: u.hostname, port: Number(u.port || 443) });
    server.on('connection', (client) => proxy.#accept(client));
    return proxy;
  }

  /** Whether connections are stalled now. */
  get blackholed(): boolean {
    return this.#holed;
  }

  /**
   * Stalls (true) or releases (false) every connection; held bytes are delivered on release.
   * @param on - black hole on or off
   */
  setBlackhole(on: boolean): void {
    this.#holed = on;
    if (on) return;
    for (const pair of this.#pairs) {
      if (!pair.upstream) this.#connectUpstream(pair);
      for (const chunk of pair.toUpstream.splice(0)) pair.upstream?.write(chunk);
      for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
    }
  }

  /** Closes every connection and the listener. */
  async stop(): Promise<void> {
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    this.#pairs.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined, toUpstream: [], toClient: [] };
    this.#pairs.add(pair);
    const close = () => {
      client.destroy();
      pair.upstream?.destroy();
      this.#pairs.delete(pair);
    };
    client.on('error', close);
    client.on('close', close);
    client.on('data', (chunk: Buffer) => {
      if (this.#holed || !pair.upstream) pair.toUpstream.push(chunk);
      else pair.upstream.write(chunk);
    });
    if (!this.#holed) this.#connectUpstream(pair);
  }

  #connectUpstream(pair: Pair): void {
    const upstream = connect(this.#target);
    pair.upstream = upstream;
    const close = () => {
      upstream.destroy();
      pair.client.destroy();
      this.#pairs.delete(pair);
    };
    upstream.on('error', close);
    upstream.on('close', close);
    upstream.on('data', (chunk: Buffer) => {
      if (this.#holed) pair.toClient.push(chunk);
      else pair.client.write(chunk);
    });
    for (const chunk of pair.toUpstream.splice(0)) upstream.write(chunk);
  }
}
