/** Event claims on real Azure Table storage (Azurite): races between hosts, leases, ETags, sweeps, deadlines. */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

import { describe, expect, it } from '@jest/globals';
import { TableClient } from '@azure/data-tables';

import { createTableEventClaims } from '../../../shared/events/createTableEventClaims.ts';
import type { TableEventClaimsOptions } from '../../../shared/events/createTableEventClaims.ts';
import type { ClaimResult, EventClaim } from '../../../shared/events/EventClaims.ts';
import { loadTestStack } from '../../support/testStack.ts';

const t0 = new Date('2026-11-20T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
/** A client of its own per call: as two function hosts would have. */
const client = (table: string) =>
  TableClient.fromConnectionString(loadTestStack().azurite?.connectionString ?? '', table, {
    allowInsecureConnection: true,
  });
const newTable = () => `claims${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const hosts = (n: number, options: TableEventClaimsOptions = {}) => {
  const table = newTable();
  return { table, stores: Array.from({ length: n }, () => createTableEventClaims(client(table), options)) };
};
const claimOf = (r: ClaimResult): EventClaim => {
  if (r.status !== 'claimed') throw new Error(`expected a claim, got ${r.status}`);
  return r.claim;
};

describe('createTableEventClaims', () => {
  it('of ten hosts claiming one event at once, exactly one gets it', async () => {
    const { stores } = hosts(10);
    const [first] = stores;
    await first?.sweep(t0); // creates the table, so the race is on the entity only
    const results = await Promise.all(stores.map((s) => s.claim('6f1c2a9e-race', t0)));
    expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'in-progress')).toHaveLength(9);
  });

  it('in progress, then done for its retention; a released claim can be claimed again', async () => {
    const [a, b] = hosts(2, { leaseInMs: 60_000, retentionInMs: 600_000 }).stores;
    if (!a || !b) throw new Error('no stores');
    const claim = claimOf(await a.claim('e/1?#', t0));
    expect(await b.claim('e/1?#', at(1000))).toEqual({ status: 'in-progress', until: at(60_000) });
    await a.complete(claim, at(2000));
    expect(await b.claim('e/1?#', at(3000))).toEqual({ status: 'done', until: at(602_000) });

    const other = claimOf(await a.claim('e2', t0));
    await a.release(other);
    expect((await b.claim('e2', at(1))).status).toBe('claimed');
  });

  it('an expired claim is taken over by exactly one host, and its old holder cannot release it', async () => {
    const { stores } = hosts(5, { leaseInMs: 1000 });
    const [crashed, ...others] = stores;
    if (!crashed) throw new Error('no stores');
    const stale = claimOf(await crashed.claim('e-crash', t0));
    const results = await Promise.all(others.map((s) => s.claim('e-crash', at(1500))));
    const winners = results.filter((r) => r.status === 'claimed');
    expect(winners).toHaveLength(1);
    expect(claimOf(winners[0] as ClaimResult).takenOver).toBe(true);
    await crashed.release(stale); // ETag mismatch: the new holder's claim stays
    expect((await crashed.claim('e-crash', at(1600))).status).toBe('in-progress');
  });

  it('a sweep deletes expired claims only, and at most once per interval per host', async () => {
    const { table, stores } = hosts(1, { leaseInMs: 1000, retentionInMs: 10_000, sweepEveryInMs: 60_000 });
    const [s] = stores;
    if (!s) throw new Error('no store');
    await s.complete(claimOf(await s.claim('done-old', t0)), t0); // kept until 10 s
    await s.claim('lease-old', t0); // expires at 1 s
    await s.claim('lease-new', at(9000)); // expires at 10 s
    expect(await s.sweep(at(9500))).toBe(1);
    expect(await s.sweep(at(20_000))).toBe(0); // swept 10.5 s ago: not due
    expect(await s.sweep(at(70_000))).toBe(2);
    const left: string[] = [];
    for await (const e of client(table).listEntities()) left.push(e.rowKey ?? '');
    expect(left).toEqual([]);
  });

  it('a storage endpoint that never answers fails the claim retryably within its deadline', async () => {
    const sockets = new Set<Socket>();
    const blackhole = createServer((s) => void sockets.add(s));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    try {
      const { port } = blackhole.address() as AddressInfo;
      const stuck = TableClient.fromConnectionString(
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${Buffer.from('k').toString('base64')};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
        'claims',
        { allowInsecureConnection: true },
      );
      const started = Date.now();
      const err = await createTableEventClaims(stuck, { timeoutInMs: 300 })
        .claim('e-stuck', t0)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toMatchObject({ retryable: true });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => blackhole.close(r));
    }
  });
});
