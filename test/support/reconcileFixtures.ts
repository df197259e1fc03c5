/**
 * Builders shared by the unit tests of the reconcile core: a binding, a plan's desired Secret, a silent logger,
 * and a fake key provider whose keys the test controls.
 */
import type { KeyBinding } from '../../shared/bindings/KeyBinding.ts';
import { parseResourceId } from '../../shared/arm/parseResourceId.ts';
import { ErrorCode, KeySyncError } from '../../shared/errors.ts';
import type { FetchedValues, KeyProvider } from '../../shared/keys/KeyProvider.ts';
import { createMemoryKeyLedger } from '../../shared/keys/KeyLedger.ts';
import type { Logger } from '../../shared/logging.ts';
import type { SyncDeps } from '../../shared/reconcile/syncClusters.ts';
import type { DesiredSecret } from '../../shared/reconcile/collectDesiredSecrets.ts';
import type { KeyGeneration } from '../../shared/reconcile/createResourceFetcher.ts';
import { hashSecretData } from '../../shared/reconcile/hashSecretData.ts';

export const storageId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st';
export const storageResource = parseResourceId(storageId);

/** A validated KeyBinding. */
export function binding(
  name: string,
  secrets: KeyBinding['secrets'],
  extra: Partial<KeyBinding> = {},
): KeyBinding {
  return {
    cluster: 'c1',
    namespace: 'ns',
    name,
    uid: `uid-${name}`,
    generation: 1,
    creationTimestamp: '2026-11-01T00:00:00Z',
    resourceId: storageId,
    secrets,
    previouslyOwnedSecrets: [],
    ...extra,
  };
}

/** A desired Secret for `owner` holding `data`, from key state `keys`. */
export function desired(
  owner: KeyBinding,
  name: string,
  data: Record<string, string>,
  keys?: KeyGeneration,
): DesiredSecret {
  return {
    cluster: owner.cluster,
    namespace: owner.namespace,
    name,
    owner,
    data,
    dataHash: hashSecretData(data),
    ...(keys ? { keys } : {}),
  };
}

/** A logger that keeps its lines (to assert on them) and prints nothing. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (fields: object, msg: string) => {
    lines.push(JSON.stringify({ level, msg, ...fields }));
  };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A Storage-like provider whose current keys the test sets; counts fetches and can fail or be gated. */
export function fakeStorageProvider(state: {
  key1: string;
  key2?: string;
  queue?: boolean;
  longRunning?: boolean;
}) {
  const fetches: string[][] = [];
  let held: Promise<void> | undefined;
  const keyNames = new Set(['primaryKey', 'secondaryKey', 'primaryConnectionString']);
  const provider: KeyProvider & { fetches: string[][]; holdNextFetch(): () => void } = {
    fetches,
    resourceType: storageResource.resourceType,
    valueNames: ['primaryKey', 'secondaryKey', 'primaryConnectionString', 'blobEndpoint', 'queueEndpoint'],
    keyValueNames: ['primaryKey', 'secondaryKey'],
    needsKeys: (wanted) => [...wanted].some((w) => keyNames.has(w)),
    ...(state.longRunning ? { regenerationEventPrecedesChange: true } : {}),
    async fetchValues(_r, wanted): Promise<FetchedValues> {
      fetches.push([...wanted].sort());
      // The keys are read when the call is made; a held fetch answers them later (a slow ARM answer).
      const snapshot = { ...state };
      const hold = held;
      held = undefined;
      if (hold) await hold;
      const all = new Map<string, string>([
        ['primaryKey', snapshot.key1],
        ['secondaryKey', snapshot.key2 ?? 'k2'],
        ['primaryConnectionString', `AccountKey=${snapshot.key1}`],
        ['blobEndpoint', 'https://st.blob/'],
        ...(snapshot.queue ? ([['queueEndpoint', 'https://st.queue/']] as const) : []),
      ]);
      const values = new Map([...all].filter(([k]) => wanted.has(k)));
      const unavailable = new Map(
        [...wanted]
          .filter((w) => !values.has(w))
          .map((w) => [w, new KeySyncError(ErrorCode.InvalidBinding, `${storageId} has no ${w}`)] as const),
      );
      return { values, unavailable };
    },
    holdNextFetch() {
      let release = () => undefined as void;
      held = new Promise<void>((r) => {
        release = r;
      });
      return release;
    },
  };
  return provider;
}

/**
 * Engine dependencies on in-memory parts: a memory key ledger (no clock-skew margin), the given provider for
 * every type, a silent logger.
 * @param provider - the provider every resource type gets
 */
export function fakeSyncDeps(provider: KeyProvider): SyncDeps {
  return {
    providers: { get: () => provider },
    ledger: createMemoryKeyLedger(0),
    logger: memoryLogger(),
    clusterConcurrency: 4,
    resourceConcurrency: 4,
    now: () => new Date(),
  };
}
