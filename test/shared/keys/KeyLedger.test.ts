import { describe, expect, it } from '@jest/globals';

import {
  createMemoryKeyLedger,
  judgeSighting,
  ledgerHistoryLength,
  regenerationWindowInMs,
  unsatisfiedRegenerations,
} from '../../../shared/keys/KeyLedger.ts';

const span = (startedAt: number, endedAt = startedAt + 10) => ({ startedAt, endedAt });

describe('key ledger', () => {
  it('orders a new state after the newest known one, with a strictly larger generation', async () => {
    const ledger = createMemoryKeyLedger(0);
    const a = await ledger.observe('r', 'A', span(1000), true);
    const b = await ledger.observe('r', 'B', span(1000), true); // same clock reading: still strictly after
    expect(a).toMatchObject({ kind: 'new', sighting: { generation: 1010 } });
    expect(b).toMatchObject({ kind: 'ambiguous' });
    const b2 = await ledger.observe('r', 'B', span(1010), true);
    expect(b2).toMatchObject({ kind: 'new', sighting: { generation: 1020 } });
  });

  it('keeps the first sighting of a state seen again (no re-dating), and says whether it is the newest', async () => {
    const ledger = createMemoryKeyLedger(0);
    await ledger.observe('r', 'A', span(0), true);
    await ledger.observe('r', 'B', span(100), true);
    const again = await ledger.observe('r', 'A', span(5000), true);
    expect(again).toMatchObject({
      kind: 'known',
      latest: false,
      sighting: { fingerprint: 'A', generation: 10 },
    });
    expect(ledger.history('r').map((s) => s.fingerprint)).toEqual(['A', 'B']);
  });

  it('asks for another read when a new state was read by a read overlapping the newest one', () => {
    const history = [{ fingerprint: 'B', generation: 500, readEndedAt: 500 }];
    // A slow read that started before B's read ended may have been served before B: it cannot be ordered.
    expect(judgeSighting(history, 'A', span(400, 900), 0)).toEqual({ kind: 'ambiguous' });
    // With a clock-skew margin, reads within the margin are ambiguous too.
    expect(judgeSighting(history, 'A', span(1200, 1300), 1000)).toEqual({ kind: 'ambiguous' });
    expect(judgeSighting(history, 'A', span(1600, 1700), 1000)).toMatchObject({ kind: 'new' });
  });

  it('records nothing when asked not to (a dry run)', async () => {
    const ledger = createMemoryKeyLedger(0);
    expect(await ledger.observe('r', 'A', span(0), false)).toMatchObject({ kind: 'new' });
    expect(ledger.history('r')).toEqual([]);
  });

  it('keeps a bounded history per resource', async () => {
    const ledger = createMemoryKeyLedger(0);
    for (let i = 0; i < ledgerHistoryLength + 4; i++) await ledger.observe('r', `F${i}`, span(i * 100), true);
    expect(ledger.history('r')).toHaveLength(ledgerHistoryLength);
    expect(ledger.history('r').at(-1)?.fingerprint).toBe(`F${ledgerHistoryLength + 3}`);
  });
});

describe('announced regenerations', () => {
  const s = (fingerprint: string, generation: number) => ({
    fingerprint,
    generation,
    readEndedAt: generation,
  });

  it('gives each regeneration its own new state, in time order', () => {
    // K1 from before both events; K2 (the first regeneration's result) first seen after the second event.
    const history = [s('K1', 100), s('K2', 2_500)];
    const events = [
      { id: 'e1', at: 1_000 },
      { id: 'e2', at: 2_000 },
    ];
    expect(unsatisfiedRegenerations(history, events, 3_000)).toBe(1);
    expect(unsatisfiedRegenerations([...history, s('K3', 2_600)], events, 3_000)).toBe(0);
  });

  it('forgets a regeneration older than the window, so it cannot hold later pickups back', () => {
    const events = [{ id: 'old', at: 1_000 }];
    expect(unsatisfiedRegenerations([s('K1', 10)], events, 1_000 + regenerationWindowInMs + 1)).toBe(0);
  });

  it('the ledger announces an event once and counts it against what it has seen', async () => {
    const ledger = createMemoryKeyLedger(0);
    await ledger.observe('r', 'K1', span(0), true);
    const e1 = { id: 'e1', at: 1_000 };
    const e2 = { id: 'e2', at: 2_000 };
    expect(await ledger.observe('r', 'K1', span(1_500), true, e1)).toMatchObject({ unsatisfiedEvents: 1 });
    expect(await ledger.observe('r', 'K2', span(2_500), true, e2)).toMatchObject({
      kind: 'new',
      unsatisfiedEvents: 1,
    });
    expect(await ledger.observe('r', 'K3', span(3_000), true, e2)).toMatchObject({
      kind: 'new',
      unsatisfiedEvents: 0,
    });
    expect(await ledger.observe('r', 'K3', span(3_100), true, e1)).toMatchObject({ unsatisfiedEvents: 0 });
  });
});
