import { ErrorCode, isKeySyncError, KeySyncError, SecretNotOwnedError } from '../errors.ts';
import type { ClusterClient, SecretObject } from '../kube/ClusterClient.ts';
import type { BindingPlan, DesiredSecret } from './collectDesiredSecrets.ts';
import { hashSecretData } from './hashSecretData.ts';
import { ownedSecretMetadata, ownership, recordedKeyGeneration, secretOwner } from '../kube/ownership.ts';
import type { SecretReport } from './SyncReport.ts';
import { retryLostRaces } from '../retryLostRaces.ts';

/** Options for {@link applyBindingPlan}. */
export interface ApplyOptions {
  /** Compute the actions without writing anything. */
  readonly dryRun: boolean;
  /** Existing Secrets already read for this binding's targets (name -> Secret or undefined). */
  readonly existing: ReadonlyMap<string, SecretObject | undefined>;
}

/** Writes of one Secret tried when they keep losing optimistic-concurrency races (HTTP 409). */
export const maxWriteAttempts = 3;

/**
 * Applies one binding's plan to its cluster: creates missing Secrets, replaces changed ones (with their
 * resourceVersion), leaves identical ones alone (no write), refuses Secrets it does not own, and deletes
 * Secrets the binding no longer maps if they are still its own.
 *
 * Writes are monotonic (docs/adr/0006-monotonic-key-writes.md): a Secret that records a newer key generation
 * than the plan's is left as it is (`superseded`), so a pass that read keys before another path wrote newer
 * ones can never put the older keys back. The decision is taken on the Secret as read and made atomic by its
 * resourceVersion; on a 409 the Secret is read again and the decision taken again.
 * @param client - the binding's cluster
 * @param plan - from the collector; must have no error
 * @param options - dry run and the Secrets already read
 * @returns one report per Secret touched, sorted by name; failures are in the reports, never thrown
 */
export async function applyBindingPlan(
  client: ClusterClient,
  plan: BindingPlan,
  options: ApplyOptions,
): Promise<SecretReport[]> {
  const reports: SecretReport[] = [];
  for (const desired of plan.secrets) {
    const existing = options.existing.has(desired.name)
      ? { secret: options.existing.get(desired.name) }
      : undefined;
    reports.push(await applyOne(client, desired, existing, options.dryRun));
  }
  for (const name of plan.staleSecrets) {
    const r = await removeStale(client, plan, name, options);
    if (r) reports.push(r);
  }
  return reports.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Decides and writes one Secret; on a lost race (409) reads it again and decides again.
 * @param existing - the Secret as already read (`secret` undefined: it does not exist), or undefined when it
 *   was not read (then it is read here, and a failed read stays in this Secret's report)
 */
async function applyOne(
  client: ClusterClient,
  desired: DesiredSecret,
  existing: { readonly secret: SecretObject | undefined } | undefined,
  dryRun: boolean,
): Promise<SecretReport> {
  const keys = Object.keys(desired.data).sort();
  const report = (action: SecretReport['action'], dataHash: string) => ({
    name: desired.name,
    action,
    keys,
    dataHash,
  });
  try {
    return await retryLostRaces(maxWriteAttempts, isWriteConflict, async (attempt) => {
      const current =
        attempt === 1 && existing ? existing.secret : await client.getSecret(desired.namespace, desired.name);
      const decision = decide(client.cluster, desired, current);
      if (decision.action === 'unchanged' || decision.action === 'superseded')
        return report(decision.action, decision.dataHash);
      if (!dryRun) {
        const body = toWrite(desired, current);
        if (decision.action === 'created') await client.createSecret(body);
        else await client.replaceSecret(body);
      }
      return report(decision.action, desired.dataHash);
    });
  } catch (err) {
    return failed(desired.name, keys, err);
  }
}

/** A write that lost an optimistic-concurrency race (409): read again and decide again. */
function isWriteConflict(err: unknown): boolean {
  return isKeySyncError(err) && err.code === ErrorCode.WriteConflict;
}

type Decision =
  | { readonly action: 'created' | 'updated'; readonly dataHash?: undefined }
  | { readonly action: 'unchanged' | 'superseded'; readonly dataHash: string };

/** Decides the action for one Secret; throws when it is not ours to write. */
function decide(cluster: string, desired: DesiredSecret, current: SecretObject | undefined): Decision {
  if (!current) return { action: 'created' };
  const owner = secretOwner(current);
  if (owner.kind === 'foreign') {
    throw new SecretNotOwnedError(cluster, desired.namespace, desired.name);
  }
  if (owner.uid !== desired.owner.uid) {
    throw new KeySyncError(
      ErrorCode.SecretConflict,
      `Secret ${desired.namespace}/${desired.name} in cluster ${cluster} is owned by KeyBinding ${owner.bindingName}; ` +
        `KeyBinding ${desired.owner.name} cannot also write it: choose another Secret name`,
      {
        details: {
          cluster,
          namespace: desired.namespace,
          secretName: desired.name,
          owner: owner.bindingName,
        },
      },
    );
  }
  const currentHash = hashSecretData(current.data);
  if (isNewer(current, currentHash, desired)) return { action: 'superseded', dataHash: currentHash };
  // A newer key state with the same data (another key of the resource was regenerated) is no reason to write:
  // the Secret's generation then stays that of its data, which still orders any older write below it.
  const sameMeta =
    current.annotations[ownership.dataHashAnnotation] === desired.dataHash &&
    current.annotations[ownership.resourceIdAnnotation] === desired.owner.resourceId;
  return currentHash === desired.dataHash && sameMeta
    ? { action: 'unchanged', dataHash: desired.dataHash }
    : { action: 'updated' };
}

/**
 * Whether the Secret holds keys newer than the plan's. Only a Secret still as we wrote it (data matching its
 * own hash annotation, same resource) can vouch for its generation: a hand-edited one is restored whatever it
 * claims.
 */
function isNewer(current: SecretObject, currentHash: string, desired: DesiredSecret): boolean {
  const held = recordedKeyGeneration(current);
  if (!desired.keys || held === undefined) return false;
  const intact =
    current.annotations[ownership.dataHashAnnotation] === currentHash &&
    current.annotations[ownership.resourceIdAnnotation] === desired.owner.resourceId;
  return intact && held > desired.keys.generation;
}

function toWrite(desired: DesiredSecret, current: SecretObject | undefined) {
  const meta = ownedSecretMetadata(desired.owner, desired.dataHash, desired.keys);
  const annotations: Record<string, string> = { ...current?.annotations, ...meta.annotations };
  if (!desired.keys) {
    // Data without keys carries no key state: a generation left from earlier would misname it.
    delete annotations[ownership.keyGenerationAnnotation];
    delete annotations[ownership.keyFingerprintAnnotation];
  }
  return {
    namespace: desired.namespace,
    name: desired.name,
    // Keep labels and annotations others added (e.g. Reloader's); ours win.
    labels: { ...current?.labels, ...meta.labels },
    annotations,
    ownerReferences: meta.ownerReferences,
    data: desired.data,
    ...(current ? { resourceVersion: current.resourceVersion } : {}),
  };
}

async function removeStale(
  client: ClusterClient,
  plan: BindingPlan,
  name: string,
  options: ApplyOptions,
): Promise<SecretReport | undefined> {
  const { binding } = plan;
  try {
    const current = options.existing.has(name)
      ? options.existing.get(name)
      : await client.getSecret(binding.namespace, name);
    if (!current) return undefined;
    const owner = secretOwner(current);
    if (owner.kind !== 'binding' || owner.uid !== binding.uid) return undefined;
    if (!options.dryRun) {
      await client.deleteSecret(binding.namespace, name, {
        uid: current.uid,
        resourceVersion: current.resourceVersion,
      });
    }
    return { name, action: 'deleted', keys: [] };
  } catch (err) {
    return failed(name, [], err);
  }
}

/**
 * A failed Secret's report: ownership refusals are `conflict` (permanent until a person acts), anything else is
 * `error` with the error's retryable flag (unknown errors count as retryable: trying again costs little).
 */
function failed(name: string, keys: string[], err: unknown): SecretReport {
  if (isKeySyncError(err)) {
    const ownership = err.code === ErrorCode.SecretNotOwned || err.code === ErrorCode.SecretConflict;
    return ownership
      ? { name, action: 'conflict', keys, reason: err.code, message: err.message, retryable: false }
      : { name, action: 'error', keys, reason: err.code, message: err.message, retryable: err.retryable };
  }
  return {
    name,
    action: 'error',
    keys,
    reason: ErrorCode.Internal,
    message: 'unexpected error (see logs)',
    retryable: true,
  };
}
