import { describe, expect, it } from '@jest/globals';

import { ErrorCode } from '../../../shared/errors.ts';
import type { BindingPlan } from '../../../shared/reconcile/collectDesiredSecrets.ts';
import { hashSecretData } from '../../../shared/reconcile/hashSecretData.ts';
import { ownedSecretMetadata, ownership } from '../../../shared/kube/ownership.ts';
import { applyBindingPlan } from '../../../shared/reconcile/applyBindingPlan.ts';
import { FakeClusterClient, kubeErrors } from '../../support/FakeClusterClient.ts';
import { binding, desired } from '../../support/reconcileFixtures.ts';

const b = binding('app', { primaryKey: { name: 's1', key: 'KEY' } });
const plan = (data: Record<string, string>, generation?: number, name = 's1'): BindingPlan => ({
  binding: b,
  secrets: [desired(b, name, data, generation ? { generation, fingerprint: `fp${generation}` } : undefined)],
  staleSecrets: [],
});
const write = (client: FakeClusterClient, p: BindingPlan, dryRun = false) =>
  applyBindingPlan(client, p, { dryRun, existing: new Map() });

describe('applyBindingPlan', () => {
  it('creates, then leaves an identical Secret alone (no write)', async () => {
    const c = new FakeClusterClient('c1');
    expect((await write(c, plan({ KEY: 'K1' }, 100)))[0]).toMatchObject({ action: 'created' });
    expect((await write(c, plan({ KEY: 'K1' }, 100)))[0]).toMatchObject({ action: 'unchanged' });
    expect(c.writes).toEqual(['create ns/s1']);
    expect(c.secrets.get('ns/s1')?.annotations[ownership.keyGenerationAnnotation]).toBe('100');
  });

  it('never puts older keys back: a plan older than the Secret is superseded, nothing written', async () => {
    const c = new FakeClusterClient('c1');
    await write(c, plan({ KEY: 'K2' }, 200));
    const [r] = await write(c, plan({ KEY: 'K1' }, 100));
    expect(r).toMatchObject({ action: 'superseded', dataHash: hashSecretData({ KEY: 'K2' }) });
    expect(c.secrets.get('ns/s1')?.data).toEqual({ KEY: 'K2' });
    expect(c.writes).toEqual(['create ns/s1']);
  });

  it('decides again after a 409: newer keys written meanwhile are not overwritten with the old values', async () => {
    const c = new FakeClusterClient('c1');
    await write(c, plan({ KEY: 'K1' }, 100));
    const existing = new Map([['s1', c.secrets.get('ns/s1')]]);
    let raced = false;
    c.beforeWrite = () => {
      if (raced) return;
      raced = true; // another path writes K3 (newer) between our read and our write
      const meta = ownedSecretMetadata(b, hashSecretData({ KEY: 'K3' }), {
        generation: 300,
        fingerprint: 'fp3',
      });
      c.putSecret({ namespace: 'ns', name: 's1', ...meta, data: { KEY: 'K3' } });
    };
    const [r] = await applyBindingPlan(c, plan({ KEY: 'K2' }, 200), { dryRun: false, existing });
    expect(r?.action).toBe('superseded');
    expect(c.secrets.get('ns/s1')?.data).toEqual({ KEY: 'K3' });
  });

  it('restores a hand-edited Secret even when it claims a newer generation', async () => {
    const c = new FakeClusterClient('c1');
    await write(c, plan({ KEY: 'K1' }, 100));
    const s = c.secrets.get('ns/s1');
    if (!s) throw new Error('no Secret');
    c.putSecret({
      ...s,
      annotations: { ...s.annotations, [ownership.keyGenerationAnnotation]: '999' },
      data: { KEY: 'x' },
    });
    expect((await write(c, plan({ KEY: 'K1' }, 100)))[0]).toMatchObject({ action: 'updated' });
    expect(c.secrets.get('ns/s1')?.data).toEqual({ KEY: 'K1' });
  });

  it('reports a 5xx write as a retryable error and still writes the binding’s other Secrets', async () => {
    const c = new FakeClusterClient('c1');
    c.fault = (op, name) =>
      op === 'createSecret' && name === 'ns/s1'
        ? kubeErrors.unavailable('c1', 'create Secret ns/s1')
        : undefined;
    const p: BindingPlan = {
      binding: b,
      secrets: [desired(b, 's1', { KEY: 'K' }), desired(b, 's2', { KEY: 'K' })],
      staleSecrets: [],
    };
    const reports = await write(c, p);
    expect(reports).toMatchObject([
      { name: 's1', action: 'error', reason: ErrorCode.ClusterUnreachable, retryable: true },
      { name: 's2', action: 'created' },
    ]);
  });

  it('keeps a failed re-read after a 409 inside that Secret’s report', async () => {
    const c = new FakeClusterClient('c1');
    let reads = 0;
    c.fault = (op) => {
      if (op === 'createSecret') return kubeErrors.conflict('c1', 'create Secret ns/s1');
      if (op === 'getSecret' && ++reads > 1) return kubeErrors.unavailable('c1', 'get Secret ns/s1');
      return undefined;
    };
    const [r] = await write(c, plan({ KEY: 'K' }, 1));
    expect(r).toMatchObject({ action: 'error', reason: ErrorCode.ClusterUnreachable, retryable: true });
  });

  it('gives up after repeated 409s with a retryable WriteConflict', async () => {
    const c = new FakeClusterClient('c1');
    c.fault = (op) => (op === 'createSecret' ? kubeErrors.conflict('c1', 'create Secret ns/s1') : undefined);
    const [r] = await write(c, plan({ KEY: 'K' }, 1));
    expect(r).toMatchObject({ action: 'error', reason: ErrorCode.WriteConflict, retryable: true });
  });

  it('refuses Secrets it does not own, permanently (not retryable)', async () => {
    const c = new FakeClusterClient('c1');
    c.putSecret({ namespace: 'ns', name: 's1', labels: {}, annotations: {}, ownerReferences: [], data: {} });
    const other = binding('other', {});
    const meta = ownedSecretMetadata(other, hashSecretData({}));
    c.putSecret({ namespace: 'ns', name: 's2', ...meta, data: {} });
    expect((await write(c, plan({ KEY: 'K' }, 1)))[0]).toMatchObject({
      action: 'conflict',
      reason: ErrorCode.SecretNotOwned,
      retryable: false,
    });
    expect((await write(c, plan({ KEY: 'K' }, 1, 's2')))[0]).toMatchObject({
      action: 'conflict',
      reason: ErrorCode.SecretConflict,
      retryable: false,
    });
    expect(c.writes).toEqual([]);
  });

  it('writes nothing in a dry run', async () => {
    const c = new FakeClusterClient('c1');
    expect((await write(c, plan({ KEY: 'K' }, 1), true))[0]).toMatchObject({ action: 'created' });
    expect(c.writes).toEqual([]);
  });
});
