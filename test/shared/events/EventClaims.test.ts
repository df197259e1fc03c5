import { describe, expect, it } from '@jest/globals';

import { claimRowKey, createMemoryEventClaims } from '../../../shared/events/EventClaims.ts';
import type { EventClaim } from '../../../shared/events/EventClaims.ts';

const t0 = new Date('2026-11-20T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const claimOf = async (p: Promise<unknown>): Promise<EventClaim> => {
  const r = (await p) as { status: string; claim?: EventClaim };
  if (r.status !== 'claimed' || !r.claim) throw new Error(`expected a claim, got ${r.status}`);
  return r.claim;
};

describe('createMemoryEventClaims', () => {
  it('gives an event to one claimant; others see it in progress, then done', async () => {
    const claims = createMemoryEventClaims({ leaseInMs: 1000, retentionInMs: 10_000 });
    const claim = await claimOf(claims.claim('e1', t0));
    expect(claim.takenOver).toBe(false);
    expect(await claims.claim('e1', at(500))).toEqual({ status: 'in-progress', until: at(1000) });
    await claims.complete(claim, at(600));
    expect(await claims.claim('e1', at(700))).toEqual({ status: 'done', until: at(10_600) });
    expect((await claims.claim('e2', at(700))).status).toBe('claimed');
  });

  it('a released claim can be claimed again; an expired one is taken over and its old holder cannot release it', async () => {
    const claims = createMemoryEventClaims({ leaseInMs: 1000 });
    await claims.release(await claimOf(claims.claim('e1', t0)));
    const stale = await claimOf(claims.claim('e1', at(1)));
    const taken = await claimOf(claims.claim('e1', at(1001)));
    expect(taken.takenOver).toBe(true);
    await claims.release(stale);
    expect((await claims.claim('e1', at(1002))).status).toBe('in-progress');
  });

  it('a done claim lasts its retention, then the sweep deletes it', async () => {
    const claims = createMemoryEventClaims({ leaseInMs: 1000, retentionInMs: 5000 });
    await claims.complete(await claimOf(claims.claim('e1', t0)), t0);
    await claimOf(claims.claim('e2', t0));
    expect(await claims.sweep(at(999))).toBe(0);
    expect(await claims.sweep(at(1000))).toBe(1); // e2's lease
    expect((await claims.claim('e1', at(4999))).status).toBe('done');
    expect(await claims.sweep(at(5000))).toBe(1); // e1's retention
    expect((await claims.claim('e1', at(5001))).status).toBe('claimed');
  });
});

describe('claimRowKey', () => {
  it('is a valid Table row key for any event ID', () => {
    for (const id of ['6f1c2a9e-7d3b-4c55-9a1e-0b2c3d4e5f60', 'a/b\\c#d?e\u0001', 'x'.repeat(5000)]) {
      const key = claimRowKey(id);
      expect(key).not.toMatch(/[/\\#?]/);
      expect(
        [...key].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)),
      ).toBe(false);
      expect(key.length).toBeLessThanOrEqual(512);
    }
    expect(claimRowKey('x'.repeat(5000))).not.toBe(claimRowKey('x'.repeat(4999)));
  });
});
