import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { InvocationContext as InvocationContextType } from '@azure/functions';

import { InvocationContext } from '../functions/azureFunctions.ts';

/**
 * An Event Grid-triggered function handler, as `app.eventGrid` takes it. The event is whatever JSON object the
 * delivery held: Event Grid schema or CloudEvents 1.0, depending on the event subscription.
 */
export type EventGridHandler = (event: unknown, context: InvocationContextType) => Promise<void>;

/** A local stand-in for the Functions host's Event Grid webhook. */
export interface EventGridEndpoint {
  /** URL to give the ARM simulator's `subscribeEvents({ url })`. */
  readonly url: string;
  /** Invocations so far: event ID and whether the handler threw. */
  readonly invocations: ReadonlyArray<{ eventId: string; ok: boolean }>;
  stop(): Promise<void>;
}

/**
 * Serves `POST /runtime/webhooks/eventgrid?functionName=<name>` like the Functions host does for an Event Grid
 * trigger: the delivery is split and the handler invoked once per event with a fresh InvocationContext; the
 * answer is 200 when every invocation succeeded, 500 otherwise (so Event Grid retries), 400 for a body that is
 * not JSON. Both delivery schemas pass through unchanged: an Event Grid schema delivery is a JSON array; a
 * CloudEvents 1.0 one is a single event (`application/cloudevents+json`) or an array
 * (`application/cloudevents-batch+json`).
 * @param handler - the function handler (e.g. `createArmEventHandler(...)`)
 * @param log - receives every line the handler logs
 */
export async function startEventGridEndpoint(
  handler: EventGridHandler,
  log: (line: string) => void = () => undefined,
): Promise<EventGridEndpoint> {
  const invocations: Array<{ eventId: string; ok: boolean }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let events: unknown;
        try {
          events = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400).end();
          return;
        }
        let ok = true;
        for (const event of Array.isArray(events) ? events : [events]) {
          const id = (event as { id?: unknown } | null)?.id;
          const eventId = typeof id === 'string' ? id : '';
          const context = new InvocationContext({
            functionName:
              new URL(req.url ?? '/', 'http://x').searchParams.get('functionName') ?? 'onArmEvent',
            logHandler: (_level, ...args) => log(args.map(String).join(' ')),
          });
          try {
            await handler(event, context);
            invocations.push({ eventId, ok: true });
          } catch {
            ok = false;
            invocations.push({ eventId, ok: false });
          }
        }
        res.writeHead(ok ? 200 : 500).end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/runtime/webhooks/eventgrid?functionName=onArmEvent`,
    invocations,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
