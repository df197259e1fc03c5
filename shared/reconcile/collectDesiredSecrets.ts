import type { KeyBinding } from '../bindings/KeyBinding.ts';
import { bindingLabel } from '../bindings/KeyBinding.ts';
import { ErrorCode, KeySyncError } from '../errors.ts';
import type { KeyValues } from '../keys/KeyProvider.ts';
import type { KeyGeneration } from './createResourceFetcher.ts';
import { hashSecretData } from './hashSecretData.ts';
import type { SecretOwner } from '../kube/ownership.ts';

/** A Secret one binding should own, with its full data. */
export interface DesiredSecret {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly owner: KeyBinding;
  /** Data key -> plain value. Secret: never log. */
  readonly data: Readonly<Record<string, string>>;
  readonly dataHash: string;
  /** The key state the data comes from, when it was read with the resource's keys: orders writes. */
  readonly keys?: KeyGeneration;
}

/** What one binding should look like in its cluster after this pass. */
export interface BindingPlan {
  readonly binding: KeyBinding;
  /** Secrets to write, sorted by name. Empty when `error` is set. */
  readonly secrets: readonly DesiredSecret[];
  /** Secrets the binding owned before but no longer maps (to delete if still ours). */
  readonly staleSecrets: readonly string[];
  /** Why the binding cannot be synced this pass. */
  readonly error?: KeySyncError;
}

/** Input per binding: the values of its resource, or why they could not be had. */
export interface BindingInput {
  readonly binding: KeyBinding;
  readonly values?: KeyValues;
  /** The key state `values` were read from, when they include keys. */
  readonly keys?: KeyGeneration;
  readonly error?: KeySyncError;
}

/**
 * Pure: computes the Secrets every binding should own. Values are grouped per destination Secret; when two
 * bindings target the same Secret, the one that owns it in the cluster keeps it (or, for a new Secret, the
 * older binding), and the other gets a `SecretConflict` error naming it.
 * @param inputs - bindings with their resource's values or error
 * @param currentOwners - `cluster/namespace/secret` -> owner of the existing Secret, for the targets that exist
 * @returns one plan per binding, sorted by cluster/namespace/name
 */
export function collectDesiredSecrets(
  inputs: readonly BindingInput[],
  currentOwners: ReadonlyMap<string, SecretOwner> = new Map(),
): BindingPlan[] {
  const claims = assignClaims(inputs, currentOwners);
  return [...inputs].sort(byBinding).map((input) => planFor(input, claims));
}

/** Key for a Secret in a cluster: `cluster/namespace/name`. */
export function secretKey(cluster: string, namespace: string, name: string): string {
  return `${cluster}/${namespace}/${name}`;
}

function planFor(input: BindingInput, claims: Map<string, KeyBinding>): BindingPlan {
  const { binding } = input;
  const targets = [...new Set(Object.values(binding.secrets).map((d) => d.name))].sort();
  const stale = binding.previouslyOwnedSecrets.filter((s) => !targets.includes(s));
  const taken = targets
    .map((t) => ({ t, winner: claims.get(secretKey(binding.cluster, binding.namespace, t)) }))
    .find(({ winner }) => winner !== undefined && winner.uid !== binding.uid);
  if (taken?.winner) {
    const error = new KeySyncError(
      ErrorCode.SecretConflict,
      `KeyBinding ${bindingLabel(binding)} targets Secret ${binding.namespace}/${taken.t}, which KeyBinding ` +
        `${taken.winner.name} already owns; choose another Secret name`,
      { details: { binding: bindingLabel(binding), secret: taken.t, owner: taken.winner.name } },
    );
    return { binding, secrets: [], staleSecrets: [], error };
  }
  if (input.error || !input.values) {
    const error =
      input.error ?? new KeySyncError(ErrorCode.Internal, `no values for ${bindingLabel(binding)}`);
    return { binding, secrets: [], staleSecrets: [], error };
  }
  const values = input.values;
  const secrets = targets.map((name) => {
    const data: Record<string, string> = {};
    for (const [valueName, dest] of Object.entries(binding.secrets)) {
      const v = values.get(valueName);
      if (dest.name === name && v !== undefined) data[dest.key] = v;
    }
    return {
      cluster: binding.cluster,
      namespace: binding.namespace,
      name,
      owner: binding,
      data,
      dataHash: hashSecretData(data),
      ...(input.keys ? { keys: input.keys } : {}),
    };
  });
  return { binding, secrets, staleSecrets: stale };
}

/** Decides, per target Secret, which binding may own it. */
function assignClaims(
  inputs: readonly BindingInput[],
  currentOwners: ReadonlyMap<string, SecretOwner>,
): Map<string, KeyBinding> {
  const claims = new Map<string, KeyBinding>();
  const ordered = [...inputs].map((i) => i.binding).sort(byAge);
  for (const binding of ordered) {
    for (const dest of Object.values(binding.secrets)) {
      const key = secretKey(binding.cluster, binding.namespace, dest.name);
      const owner = currentOwners.get(key);
      const existingClaim = claims.get(key);
      if (owner?.kind === 'binding' && owner.uid === binding.uid) claims.set(key, binding);
      else if (!existingClaim && !(owner?.kind === 'binding' && ordered.some((b) => b.uid === owner.uid))) {
        claims.set(key, binding);
      }
    }
  }
  return claims;
}

function byAge(a: KeyBinding, b: KeyBinding): number {
  return a.creationTimestamp.localeCompare(b.creationTimestamp) || byBinding({ binding: a }, { binding: b });
}

function byBinding(a: { binding: KeyBinding }, b: { binding: KeyBinding }): number {
  return bindingLabel(a.binding).localeCompare(bindingLabel(b.binding));
}
