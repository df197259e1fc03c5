/** The soak's deterministic parts: its PRNG, the bindings it plans, the expectations they imply. */
import { describe, expect, it } from '@jest/globals';

import { planBindings, planMistakes } from '../../../scripts/soak/load/planBindings.ts';
import { Random } from '../../../scripts/soak/Random.ts';
import type { SoakResource } from '../../../scripts/soak/SoakModel.ts';
import { SoakModel } from '../../../scripts/soak/SoakModel.ts';
import { FaultTimeline } from '../../../scripts/soak/FaultTimeline.ts';
import { distribution } from '../../../scripts/soak/stats.ts';
import { timeToFreshRows } from '../../../scripts/soak/timeToFresh.ts';

const resources: SoakResource[] = [
  {
    kind: 'storage',
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1',
    name: 'st1',
    quiet: false,
  },
  {
    kind: 'cosmos',
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/c1',
    name: 'c1',
    quiet: false,
  },
  {
    kind: 'redis',
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redis/r1',
    name: 'r1',
    quiet: true,
  },
];

describe('Random', () => {
  it('repeats its sequence for a seed and differs across seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(new Random(43).next()).not.toBe(seqA[0]);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    const r = new Random(1);
    for (let i = 0; i < 100; i++) expect(r.int(2, 4)).toBeGreaterThanOrEqual(2);
    expect(new Random(9).shuffle([1, 2, 3, 4]).sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('planBindings and SoakModel', () => {
  it('binds every resource at least twice and once read-only only, is repeatable, and places the mistakes', () => {
    const plan = () =>
      planBindings({
        random: new Random(7),
        clusters: ['a', 'b'],
        namespaces: ['n1', 'n2'],
        resources,
        now: 0,
      });
    const bindings = plan();
    expect(JSON.stringify(plan())).toBe(JSON.stringify(bindings));
    for (const r of resources)
      expect(bindings.filter((b) => b.resource === r && b.valid).length).toBeGreaterThanOrEqual(2);
    const storage = bindings.filter((b) => b.resource.kind === 'storage' && b.valid);
    expect(new Set(storage.map((b) => b.cluster)).size).toBe(2); // across clusters
    const twice = storage.filter((b) => b.cluster === storage[0]?.cluster);
    expect(new Set(twice.map((b) => b.namespace)).size).toBe(2); // and in two namespaces of one cluster
    expect(bindings.every((b) => b.valid)).toBe(true);
    const mistakes = planMistakes(bindings, resources[0]!, 5);
    expect(mistakes.map((m) => [m.valid, Object.keys(m.spec.secrets)])).toEqual([[false, ['dfsEndpoint']]]);
    // Next to the account's good bindings.
    const good = bindings.filter((b) => b.resource === resources[0]);
    expect(mistakes.map((m) => m.cluster)).toEqual(good.slice(1, 2).map((b) => b.cluster));
    const names = bindings.map((b) => `${b.cluster}/${b.namespace}/${b.name}`);
    expect(new Set(names).size).toBe(names.length);

    const model = new SoakModel(resources);
    for (const b of bindings) model.put(b);
    const fields = model.expectations();
    for (const m of mistakes) model.put(m);
    // Two key-carrying values per regular binding (2 + 1 + 2 for three resources), one for the read-only one,
    // none for the mistakes.
    expect(model.expectations()).toHaveLength(2 * 7 + 1);
    expect(fields).toHaveLength(2 * 7 + 1);
    expect(fields.every((f) => f.keyName !== '')).toBe(true);
    model.remove(bindings[0]!);
    expect(model.expectations()).toHaveLength(2 * 6 + 1);
  });
});

describe('distribution', () => {
  it('gives nearest-rank median and p95', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(distribution(values)).toEqual({ count: 20, median: 10, p95: 19, max: 20 });
    expect(distribution([])).toEqual({ count: 0, median: undefined, p95: undefined, max: undefined });
  });
});

describe('timeToFreshRows', () => {
  it('times the healthy clusters separately while another cluster is black-holed', () => {
    const timeline = new FaultTimeline();
    timeline.end(timeline.begin('cluster-blackhole', 'b', 1_000), 9_000);
    const rotation = (
      startedAt: number,
      fresh: Record<string, number>,
      phase: 'chaos' | 'calm' = 'chaos',
    ) => ({
      resourceId: 'r',
      keyName: 'key1',
      generation: 1,
      startedAt,
      phase,
      freshAt: Math.max(...Object.values(fresh)),
      freshInCluster: new Map(Object.entries(fresh)),
      clusters: new Set(Object.keys(fresh)),
      fields: 2,
      gone: false,
    });
    const rows = timeToFreshRows(
      [rotation(2_000, { a: 2_500, b: 9_500 }), rotation(20_000, { a: 21_000, b: 21_000 }, 'calm')],
      timeline,
    );
    const byLabel = Object.fromEntries(rows.map((r) => [r.label, r]));
    expect(byLabel.chaos).toMatchObject({ rotations: 1, max: 7_500 });
    expect(byLabel.calm).toMatchObject({ rotations: 1, max: 1_000 });
    expect(byLabel['healthy clusters, another black-holed']).toMatchObject({
      rotations: 1,
      max: 500,
      notFresh: 0,
    });
  });
});
