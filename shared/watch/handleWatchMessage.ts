import type { BindingRef, KeyBinding } from '../bindings/KeyBinding.ts';
import { indexEntriesOf } from '../bindings/indexEntriesOf.ts';
import { parseKeyBinding } from '../bindings/parseKeyBinding.ts';
import type { ClusterRegistration } from '../clusters/ClusterRegistration.ts';
import {
  ensureError,
  ErrorCode,
  isKeySyncError,
  isRetryable,
  KeySyncError,
  ValidationError,
} from '../errors.ts';
import type { ClusterClient } from '../kube/ClusterClient.ts';
import { errorFields } from '../logging.ts';
import type { LoadedCluster } from '../reconcile/LoadedCluster.ts';
import type { BindingReport } from '../reconcile/SyncReport.ts';
import { retryableFailures } from '../reconcile/SyncReport.ts';
import { loadedSource, syncClusters } from '../reconcile/syncClusters.ts';
import type { EngineDeps } from '../reconcile/EngineDeps.ts';
import { isBindingInSync } from './isBindingInSync.ts';
import type { WatchMessage } from './WatchMessage.ts';
import { describeWatchMessage, parseWatchMessage, WatchKind } from './WatchMessage.ts';

/** What {@link handleWatchMessage} needs: the cluster registry, connector, binding index and sync settings. */
export type WatchHandlingDeps = EngineDeps;

/** What was done for one KeyBinding. */
export type WatchBindingAction = 'reconciled' | 'in-sync' | 'removed';

/** The outcome for one KeyBinding the message concerned. */
export interface WatchBindingOutcome {
  readonly binding: string;
  /** `reconciled`: synced now (see `report`); `in-sync`: nothing had drifted, no ARM call; `removed`: gone. */
  readonly action: WatchBindingAction;
  readonly report?: BindingReport;
}

/** The outcome of one watch message. */
export interface WatchHandlingResult {
  readonly message: WatchMessage;
  /** Empty when no KeyBinding maps the Secret the message is about. */
  readonly bindings: readonly WatchBindingOutcome[];
}

/** Where one message is handled: its cluster, reached. */
interface Scope {
  readonly deps: WatchHandlingDeps;
  readonly registration: ClusterRegistration;
  readonly client: ClusterClient;
  readonly namespace: string;
}

interface Target {
  readonly name: string;
  /** The KeyBinding as read now; undefined when it does not exist (any more). */
  readonly raw: unknown;
}

/**
 * The cluster-change use-case (design path 2): a watch message is a hint, the cluster is the truth. Validates
 * the message, looks up the cluster's registration, re-reads the KeyBinding concerned (for a Secret: every
 * KeyBinding of its namespace that owns or maps it) and then, per binding: gone -> removed from the index
 * (its Secrets are deleted by the garbage collector through their ownerReference); present -> indexed, and
 * reconciled unless {@link isBindingInSync} shows nothing drifted (no ARM call then). A hand-edited or
 * deleted owned Secret is thereby restored from the current keys.
 * @param deps - registry, connector, index, providers and sync settings
 * @param body - the message body as delivered
 * @param context - the queue's message ID, for log lines
 * @returns what was done per binding
 * @throws ValidationError for poison: an invalid message (`InvalidInput`) or an unregistered cluster
 *   (`ClusterNotRegistered`); retrying cannot help
 * @throws KeySyncError with `retryable: true` when the cluster or ARM failed in a way that may pass
 *   (unreachable, throttled, unavailable): the queue should deliver the message again
 */
export async function handleWatchMessage(
  deps: WatchHandlingDeps,
  body: unknown,
  context: { readonly messageId?: string | undefined } = {},
): Promise<WatchHandlingResult> {
  const message = parseWatchMessage(body);
  const registration = await deps.clusters.get(message.cluster);
  if (!registration) {
    throw new ValidationError(
      ErrorCode.ClusterNotRegistered,
      `cluster '${message.cluster}' is not registered, so ${describeWatchMessage(message)} cannot be handled; ` +
        `register the cluster or remove its watcher`,
      [],
      { details: { cluster: message.cluster } },
    );
  }
  const client = await deps.connect(registration);
  const targets =
    message.kind === WatchKind.KeyBinding
      ? [{ name: message.name, raw: await client.getKeyBinding(message.namespace, message.name) }]
      : await bindingsOfSecret(client, message);

  const scope: Scope = { deps, registration, client, namespace: message.namespace };
  const outcomes: WatchBindingOutcome[] = [];
  let retry: Error | undefined;
  for (const target of targets) {
    try {
      outcomes.push(await handleBinding(scope, target));
    } catch (err) {
      if (!isRetryable(err)) throw err;
      retry ??= ensureError(err);
    }
  }
  deps.logger.info(
    {
      messageId: context.messageId,
      cluster: message.cluster,
      kind: message.kind,
      namespace: message.namespace,
      name: message.name,
      eventType: message.eventType,
      resourceVersion: message.resourceVersion,
      bindings: outcomes.map((o) => `${o.binding}:${o.report?.action ?? o.action}`),
      retry: retry !== undefined,
    },
    'watch message handled',
  );
  if (retry !== undefined) throw retry;
  return { message, bindings: outcomes };
}

/** Every KeyBinding of the Secret's namespace that owns it (per the message) or maps or owned it. */
async function bindingsOfSecret(client: ClusterClient, message: WatchMessage): Promise<Target[]> {
  const raws = await client.listKeyBindings(message.namespace);
  return raws
    .filter((raw) => nameOf(raw) === message.owner || targetsSecret(raw, message.name))
    .map((raw) => ({ name: nameOf(raw), raw }));
}

async function handleBinding(scope: Scope, target: Target): Promise<WatchBindingOutcome> {
  const { deps, registration, client, namespace } = scope;
  const ref: BindingRef = { cluster: registration.name, namespace, name: target.name };
  if (target.raw === undefined) {
    await forget(deps, ref);
    return { binding: target.name, action: 'removed' };
  }
  let binding: KeyBinding | undefined;
  const loaded: LoadedCluster = { registration, client, bindings: [], invalid: [] };
  try {
    binding = parseKeyBinding(target.raw, registration.name);
  } catch (err) {
    const error = isKeySyncError(err)
      ? err
      : new KeySyncError(ErrorCode.InvalidBinding, 'unreadable KeyBinding');
    const resourceId = (target.raw as { spec?: { resourceId?: unknown } }).spec?.resourceId;
    await forget(deps, ref);
    return reconcile(deps, {
      ...loaded,
      invalid: [
        { namespace, name: target.name, resourceId: typeof resourceId === 'string' ? resourceId : '', error },
      ],
    });
  }
  await remember(deps, binding);
  if (await isBindingInSync(client, binding, target.raw)) return { binding: binding.name, action: 'in-sync' };
  return reconcile(deps, { ...loaded, bindings: [binding] });
}

/** Reconciles one binding; throws when a retry may fix what failed (see retryableFailures). */
async function reconcile(deps: WatchHandlingDeps, cluster: LoadedCluster): Promise<WatchBindingOutcome> {
  const result = await syncClusters([loadedSource(cluster)], deps, { dryRun: false });
  const [retry] = retryableFailures(result);
  if (retry) throw retry;
  const failure = result.clusterFailures[0];
  if (failure) {
    throw new KeySyncError(failure.reason, failure.message, {
      retryable: false,
      details: { cluster: failure.cluster },
    });
  }
  const [report] = result.bindings;
  if (!report) return { binding: cluster.bindings[0]?.name ?? '', action: 'reconciled' };
  return { binding: report.binding, action: 'reconciled', report };
}

/** The index is a cache: failing to update it is logged, never fatal (the next resync rebuilds it). */
async function remember(deps: WatchHandlingDeps, binding: KeyBinding): Promise<void> {
  const [entry] = indexEntriesOf([binding]);
  await cache(deps, binding, () => (entry ? deps.index.upsert(entry) : deps.index.remove(binding)));
}

async function forget(deps: WatchHandlingDeps, ref: BindingRef): Promise<void> {
  await cache(deps, ref, () => deps.index.remove(ref));
}

async function cache(deps: WatchHandlingDeps, ref: BindingRef, update: () => Promise<void>): Promise<void> {
  try {
    await update();
  } catch (err) {
    deps.logger.warn(
      { cluster: ref.cluster, namespace: ref.namespace, binding: ref.name, ...errorFields(err) },
      'binding index not updated',
    );
  }
}

function nameOf(raw: unknown): string {
  const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof name === 'string' ? name : '';
}

function targetsSecret(raw: unknown, secretName: string): boolean {
  const r = raw as {
    spec?: { secrets?: Record<string, { name?: unknown } | undefined> };
    status?: { secrets?: Array<{ name?: unknown }> };
  } | null;
  const mapped = Object.values(r?.spec?.secrets ?? {}).some((d) => d?.name === secretName);
  return mapped || (r?.status?.secrets ?? []).some((s) => s.name === secretName);
}
