/**
 * Every Table storage store bounds every operation: pointed (through the real Tables client) at an endpoint
 * that accepts requests and never answers, each operation fails within its bound with a retryable
 * `StorageUnavailable` error that names what timed out.
 */
import type { IncomingMessage } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TableClient } from '@azure/data-tables';

import { createTableBindingIndex } from '../../../shared/bindings/createTableBindingIndex.ts';
import { createTableClusterStore } from '../../../shared/clusters/createTableClusterStore.ts';
import { ErrorCode, KeySyncError } from '../../../shared/errors.ts';
import { createTableKeyLedger } from '../../../shared/keys/createTableKeyLedger.ts';
import type { BlackHole } from '../../support/blackHole.ts';
import { startHttpBlackHole } from '../../support/blackHole.ts';

const bound = 300;
const slack = 3_000;
/** Azurite's well-known development account (public, not a secret). */
const devKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const resourceKey = '/subscriptions/s/resourcegroups/rg/providers/microsoft.storage/storageaccounts/st';

/** Answers table creation, then never answers anything else: the stores get past set-up and hang. */
let hungAfterCreate: BlackHole;
/** Answers table creation and finds no entity on reads, then never answers a write. */
let hungAtWrite: BlackHole;
/** Answers nothing. */
let hungAtCreate: BlackHole;

const isCreateTable = (req: IncomingMessage) => req.method === 'POST' && /\/Tables$/.test(req.url ?? '');

beforeAll(async () => {
  hungAfterCreate = await startHttpBlackHole((req) => (isCreateTable(req) ? 204 : undefined));
  hungAtWrite = await startHttpBlackHole((req) =>
    isCreateTable(req) ? 204 : req.method === 'GET' ? 404 : undefined,
  );
  hungAtCreate = await startHttpBlackHole();
});

afterAll(async () => {
  await hungAfterCreate.close();
  await hungAtWrite.close();
  await hungAtCreate.close();
});

function tableAt(hole: BlackHole, table = 'keysyncTest'): TableClient {
  return TableClient.fromConnectionString(
    `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${devKey};` +
      `TableEndpoint=http://127.0.0.1:${hole.port}/devstoreaccount1;`,
    table,
    { allowInsecureConnection: true, retryOptions: { maxRetries: 3, retryDelayInMs: 10 } },
  );
}

async function expectBounded(operation: () => Promise<unknown>, action: string): Promise<void> {
  const started = Date.now();
  const err = await operation().then(
    () => undefined,
    (e: unknown) => e,
  );
  const ms = Date.now() - started;
  expect(err).toBeInstanceOf(KeySyncError);
  expect({
    ms: ms < bound + slack,
    code: (err as KeySyncError).code,
    retryable: (err as KeySyncError).retryable,
  }).toEqual({ ms: true, code: ErrorCode.StorageUnavailable, retryable: true });
  expect((err as Error).message).toBe(
    `Table storage: could not ${action}: the call timed out after ${bound} ms`,
  );
}

describe('Table storage stores against an endpoint that never answers', () => {
  it('bound table creation', async () => {
    const store = createTableClusterStore(tableAt(hungAtCreate), { timeoutInMs: bound });
    await expectBounded(() => store.list(), 'create the cluster table');
    expect(hungAtCreate.connections()).toBeGreaterThan(0);
  }, 15_000);

  it('bound every cluster registry operation', async () => {
    const store = createTableClusterStore(tableAt(hungAfterCreate), { timeoutInMs: bound });
    await expectBounded(() => store.list(), 'list registered clusters');
    await expectBounded(() => store.get('c1'), 'read cluster c1');
    await expectBounded(
      () => store.upsert({ name: 'c1', kubeconfig: 'apiVersion: v1', allow: [] }),
      'register cluster c1',
    );
    await expectBounded(() => store.remove('c1'), 'remove cluster c1');
  }, 30_000);

  it('bound every binding index operation', async () => {
    const index = createTableBindingIndex(tableAt(hungAfterCreate), { timeoutInMs: bound });
    const entry = { cluster: 'c1', namespace: 'n', name: 'b', resourceKey };
    await expectBounded(() => index.lookup(resourceKey), `look up bindings of ${resourceKey}`);
    await expectBounded(() => index.upsert(entry), 'index binding c1/n/b');
    await expectBounded(() => index.remove(entry), 'remove binding c1/n/b from the index');
    await expectBounded(() => index.replaceCluster('c1', [entry]), 'rebuild the index of cluster c1');
    // Past the read (no entry yet), the write itself hangs.
    const afterRead = createTableBindingIndex(tableAt(hungAtWrite), { timeoutInMs: bound });
    await expectBounded(() => afterRead.upsert(entry), 'index binding c1/n/b');
  }, 30_000);

  it('bound every key ledger operation', async () => {
    const span = { startedAt: 0, endedAt: 1 };
    const ledger = createTableKeyLedger(tableAt(hungAfterCreate), { timeoutInMs: bound });
    await expectBounded(
      () => ledger.observe(resourceKey, 'f1', span, true),
      `read the key ledger of ${resourceKey}`,
    );
    // Past the read (no entry yet), the conditional write itself hangs.
    const afterRead = createTableKeyLedger(tableAt(hungAtWrite), { timeoutInMs: bound });
    await expect(afterRead.observe(resourceKey, 'f1', span, false)).resolves.toMatchObject({ kind: 'new' });
    await expectBounded(
      () => afterRead.observe(resourceKey, 'f1', span, true),
      `record a key sighting of ${resourceKey}`,
    );
  }, 30_000);
});
