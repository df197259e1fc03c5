/**
 * The soak's invariant checks must be able to fail: each is fed a small hand-made history and must flag the
 * violation it exists for, and stay quiet on the legitimate look-alikes (hand edits, excused staleness, retried
 * 429s).
 */
import { describe, expect, it } from '@jest/globals';

import type { ArmCall } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { FreshnessCheck } from '../../../scripts/soak/checks/FreshnessCheck.ts';
import { LeakCheck } from '../../../scripts/soak/checks/LeakCheck.ts';
import { RegressionCheck } from '../../../scripts/soak/checks/RegressionCheck.ts';
import { ThrottleCheck } from '../../../scripts/soak/checks/ThrottleCheck.ts';
import { FaultTimeline } from '../../../scripts/soak/FaultTimeline.ts';
import { fingerprint, IssuedKeys } from '../../../scripts/soak/IssuedKeys.ts';
import type { ObservedSecret } from '../../../scripts/soak/SecretObserver.ts';
import type { FieldExpectation } from '../../../scripts/soak/SoakModel.ts';
import { Violations } from '../../../scripts/soak/Violations.ts';

const id = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1';
const key = (n: number) => Buffer.alloc(64, n).toString('base64'); // 88 characters, like a Storage key
const history: Record<string, string[]> = { key1: [key(1)], key2: [key(2)] };
const ledger = () => new IssuedKeys(() => history, [id]);
const connectionString = (k: string) =>
  `DefaultEndpointsProtocol=https;AccountName=st1;AccountKey=${k};BlobEndpoint=x`;

function secret(
  cluster: string,
  data: Record<string, string> | undefined,
  since: number,
  rv = '1',
): ObservedSecret {
  return {
    cluster,
    namespace: 'ns',
    name: 's',
    data: data ? new Map(Object.entries(data)) : undefined,
    resourceVersion: rv,
    since,
  };
}

describe('IssuedKeys', () => {
  it('tells which resource, key and generation a raw key or a connection string holds', () => {
    history.key1 = [key(1), key(3)];
    const l = ledger();
    expect(l.identify(key(3))).toEqual([
      { resourceId: id, keyName: 'key1', generation: 1, fingerprint: fingerprint(key(3)) },
    ]);
    expect(l.identify(connectionString(key(1)))[0]).toMatchObject({ keyName: 'key1', generation: 0 });
    expect(l.identify('edited-by-hand')).toEqual([]);
    history.key1.push(key(4));
    expect(l.identify(key(4))[0]?.generation).toBe(2); // refreshed on an unknown key-like value
    expect(l.current(id, 'key1')?.generation).toBe(2);
    history.key1 = [key(1)];
  });
});

describe('RegressionCheck (b)', () => {
  it('flags a Secret seen with an older generation than before, not hand edits or deletions', () => {
    history.key1 = [key(1), key(3), key(4)];
    const v = new Violations(0);
    const check = new RegressionCheck(ledger(), v);
    check.observe(secret('a', { K: key(3) }, 1, '10'));
    check.observe(secret('a', { K: 'edited-by-hand' }, 2, '11'));
    check.observe(secret('a', undefined, 3, '12'));
    check.observe(secret('a', { K: connectionString(key(4)) }, 4, '13'));
    expect(v.list()).toEqual([]);
    check.observe(secret('a', { K: key(3) }, 5, '14'));
    expect(v.of('b')).toHaveLength(1);
    expect(v.of('b')[0]?.description).toContain('generation 2');
    expect(v.of('b')[0]?.description).not.toContain(key(3));
    // The same Secret in another cluster has its own history.
    check.observe(secret('b', { K: key(1) }, 6, '1'));
    expect(v.of('b')).toHaveLength(1);
    history.key1 = [key(1)];
  });
});

describe('FreshnessCheck (a)', () => {
  const expectation: FieldExpectation = {
    id: 'a/ns/s/K',
    cluster: 'a',
    namespace: 'ns',
    secretName: 's',
    dataKey: 'K',
    resourceId: id,
    keyName: 'key1',
    since: 0,
  };
  const setup = (observed: ObservedSecret | undefined, timeline = new FaultTimeline()) => {
    const v = new Violations(0);
    const check = new FreshnessCheck({
      ledger: ledger(),
      expectations: () => [expectation],
      secret: () => observed,
      faults: timeline,
      violations: v,
      boundInMs: 1_000,
    });
    return { v, check };
  };

  it('times a rotation until every bound field holds the new key', () => {
    history.key1 = [key(1)];
    let observed = secret('a', { K: key(1) }, 0);
    const v = new Violations(0);
    const check = new FreshnessCheck({
      ledger: ledger(),
      expectations: () => [expectation],
      secret: () => observed,
      faults: new FaultTimeline(),
      violations: v,
      boundInMs: 1_000,
    });
    history.key1.push(key(3));
    check.rotated({ resourceId: id, keyName: 'key1', generation: 1, startedAt: 100, phase: 'calm' });
    check.evaluate(500);
    expect(check.rotations[0]?.freshAt).toBeUndefined();
    expect(check.settled()).toBe(false);
    observed = secret('a', { K: key(3) }, 600);
    check.evaluate(600);
    expect(check.rotations[0]).toMatchObject({ freshAt: 600, fields: 1 });
    expect(check.settled()).toBe(true);
    expect(v.list()).toEqual([]);
    history.key1 = [key(1)];
  });

  it('flags a field stale for longer than the bound, once per stale episode', () => {
    history.key1 = [key(1), key(3)];
    const { v, check } = setup(secret('a', { K: key(1) }, 0));
    check.rotated({ resourceId: id, keyName: 'key1', generation: 1, startedAt: 100, phase: 'calm' });
    check.evaluate(1_000);
    expect(v.of('a')).toHaveLength(0);
    check.evaluate(1_200);
    check.evaluate(5_000);
    expect(v.of('a')).toHaveLength(1);
    expect(v.of('a')[0]?.description).toContain('holds generation 0');
    expect(v.of('a')[0]?.description).not.toContain(key(1));
    // The end of the run does not report the same episode again.
    expect(check.finalCheck()).toHaveLength(1);
    expect(v.of('a')).toHaveLength(1);
    history.key1 = [key(1)];
  });

  it('reports a field still stale at the end even within the bound', () => {
    history.key1 = [key(1), key(3)];
    const { v, check } = setup(secret('a', { K: key(1) }, 0));
    check.evaluate(100);
    expect(v.of('a')).toHaveLength(0);
    expect(check.finalCheck()).toEqual([expect.stringContaining('a/ns/s[K]: holds generation 0')]);
    expect(v.of('a')[0]?.description).toMatch(/^still stale at the end of the run/);
    history.key1 = [key(1)];
  });

  it('counts the bound from the end of a fault on the same cluster, not one on another cluster', () => {
    history.key1 = [key(1)];
    const timeline = new FaultTimeline();
    const own = timeline.begin('cluster-blackhole', 'a', 0);
    const other = timeline.begin('cluster-blackhole', 'b', 0);
    const { v, check } = setup(secret('a', { K: 'edited-by-hand' }, 100), timeline);
    check.evaluate(5_000);
    expect(v.of('a')).toHaveLength(0);
    timeline.end(own, 5_000);
    check.evaluate(5_900);
    expect(v.of('a')).toHaveLength(0);
    check.evaluate(6_100);
    expect(v.of('a')).toHaveLength(1);
    timeline.end(other, 7_000);

    const t2 = new FaultTimeline();
    t2.begin('cluster-blackhole', 'b', 0);
    const second = setup(undefined, t2);
    second.check.evaluate(1_500);
    expect(second.v.of('a')[0]?.description).toContain('missing');
  });
});

describe('LeakCheck (d)', () => {
  it('finds a key, a piece of one, or a URL-encoded one in any source; names only a fingerprint', () => {
    const k = key(7).replace(/^A+/, 'Zz+/'); // a key with + and /
    const v = new Violations(0);
    const lines: string[] = [
      '{"msg":"ok","resourceId":"/subscriptions/x"}',
      'unrelated QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789',
    ];
    const snapshot: string[] = [];
    const check = new LeakCheck(() => [k], v);
    check.add({ name: 'logs', lines: () => lines, growing: true });
    check.add({ name: 'status', lines: () => snapshot, growing: false });
    check.scan();
    expect(v.list()).toEqual([]);
    lines.push(`listKeys returned ${k.slice(10, 50)}`);
    check.scan();
    expect(v.of('d')).toHaveLength(1);
    expect(v.of('d')[0]?.description).toBe(`key ${fingerprint(k)} appears in logs`);
    snapshot.push(`{"message":"${encodeURIComponent(k)}"}`);
    check.scan();
    expect(v.of('d')).toHaveLength(2);
    expect(v.of('d')[1]?.description).toContain('status');
  });
});

describe('ThrottleCheck (e)', () => {
  const call = (time: number, status: number, path = `${id}/listKeys`, requestId = `r${time}`): ArmCall => ({
    time,
    principal: 'svc',
    method: 'POST',
    path,
    operation: 'Microsoft.Storage/storageAccounts/listKeys/action',
    resourceId: id,
    status,
    requestId,
  });

  it('accepts a 429 retried successfully later, or told to an HTTP resync caller as retryable', () => {
    const v = new Violations(0);
    const check = new ThrottleCheck('svc', v);
    check.collect([call(1, 429), call(2, 200), call(10, 429)]);
    check.collect([{ ...call(11, 200), principal: 'someone-else' }]);
    check.check([]);
    expect(v.of('e')).toHaveLength(1);
    expect(v.of('e')[0]?.description).toContain('r10');

    const told = new Violations(0);
    const check2 = new ThrottleCheck('svc', told);
    check2.collect([call(10, 429)]);
    check2.check([
      {
        startedAt: 5,
        endedAt: 20,
        report: {
          dryRun: false,
          startedAt: '',
          durationInMs: 15,
          bindings: [
            {
              cluster: 'a',
              namespace: 'ns',
              binding: 'b',
              resourceId: id,
              action: 'error',
              secrets: [],
              retryable: true,
            },
          ],
          clusterFailures: [],
          totals: { created: 0, updated: 0, unchanged: 0, conflict: 0, error: 1 },
          resourcesFetched: 0,
        },
      },
    ]);
    expect(told.list()).toEqual([]);
    expect(check2.throttled()).toBe(1);
  });
});
