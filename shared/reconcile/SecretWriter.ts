import { ErrorCode, isKeySyncError, KeySyncError, SecretNotOwnedError } from '../errors.ts';
import type { ClusterClient, SecretObject } from '../kube/ClusterClient.ts';
import type { BindingPlan, DesiredSecret } from './collectDesiredSecrets.ts';
import { hashSecretData } from './hashSecretData.ts';
import { ownedSecretMetadata, ownership, secretOwner } from './ownership.ts';
import type { SecretReport } from './ResyncReport.ts';

/** Options for {@link applyBindingPlan}. */
export interface ApplyOptions {
  /** Compute the actions without writing anything. */
  readonly dryRun: boolean;
  /** Existing Secrets already read for this binding's targets (name -> Secret or undefined). */
  readonly existing: ReadonlyMap<string, SecretObject | undefined>;
}

/**
 * Applies one binding's plan to its cluster: creates missing Secrets, replaces changed ones (with their
 * resourceVersion, re-reading once on a conflict), leaves identical ones alone (no write), refuses Secrets
 * it does not own, and deletes Secrets the binding no longer maps if they are still its own.
 * @param client - the binding's cluster
 * @param plan - from the collector; must have no error
 * @param options - dry run and the Secrets already read
 * @returns one report per Secret touched, sorted by name
 */
export async function applyBindingPlan(
  client: ClusterClient,
  plan: BindingPlan,
  options: ApplyOptions,
): Promise<SecretReport[]> {
  const reports: SecretReport[] = [];
  for (const desired of plan.secrets) {
    reports.push(await applyOne(client, desired, options.existing.get(desired.name), options.dryRun));
  }
  for (const name of plan.staleSecrets) {
    const r = await removeStale(client, plan, name, options);
    if (r) reports.push(r);
  }
  return reports.sort((a, b) => a.name.localeCompare(b.name));
}

async function applyOne(
  client: ClusterClient,
  desired: DesiredSecret,
  existing: SecretObject | undefined,
  dryRun: boolean,
): Promise<SecretReport> {
  const keys = Object.keys(desired.data).sort();
  let current = existing;
  for (let attempt = 1; ; attempt++) {
    try {
      const action = decide(client.cluster, desired, current);
      if (action === 'unchanged' || dryRun) return { name: desired.name, action, keys };
      const body = toWrite(desired, current);
      if (action === 'created') await client.createSecret(body);
      else await client.replaceSecret(body);
      return { name: desired.name, action, keys };
    } catch (err) {
      const conflict = isKeySyncError(err) && err.code === ErrorCode.SecretConflict && err.retryable;
      if (conflict && attempt < 3) {
        current = await client.getSecret(desired.namespace, desired.name);
        continue;
      }
      return failed(desired.name, keys, err);
    }
  }
}

/** Decides the action for one Secret; throws when it is not ours to write. */
function decide(
  cluster: string,
  desired: DesiredSecret,
  current: SecretObject | undefined,
): 'created' | 'updated' | 'unchanged' {
  if (!current) return 'created';
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
  const sameData = hashSecretData(current.data) === desired.dataHash;
  const sameMeta =
    current.annotations[ownership.dataHashAnnotation] === desired.dataHash &&
    current.annotations[ownership.resourceIdAnnotation] === desired.owner.resourceId;
  return sameData && sameMeta ? 'unchanged' : 'updated';
}

function toWrite(desired: DesiredSecret, current: SecretObject | undefined) {
  const meta = ownedSecretMetadata(desired.owner, desired.dataHash);
  return {
    namespace: desired.namespace,
    name: desired.name,
    // Keep labels and annotations others added (e.g. Reloader's); ours win.
    labels: { ...current?.labels, ...meta.labels },
    annotations: { ...current?.annotations, ...meta.annotations },
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

function failed(name: string, keys: string[], err: unknown): SecretReport {
  if (isKeySyncError(err)) {
    const action =
      err.code === ErrorCode.SecretNotOwned || err.code === ErrorCode.SecretConflict ? 'conflict' : 'error';
    return { name, action, keys, reason: err.code, message: err.message };
  }
  return { name, action: 'error', keys, reason: ErrorCode.Internal, message: 'unexpected error (see logs)' };
}
