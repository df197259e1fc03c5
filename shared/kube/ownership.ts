import type { KeyBinding } from '../bindings/KeyBinding.ts';
import { keyBindingApi } from '../bindings/KeyBinding.ts';

/** Labels and annotations that mark a Secret as written by aks-keysync for one KeyBinding. */
export const ownership = {
  managedByLabel: 'app.kubernetes.io/managed-by',
  managedByValue: 'aks-keysync',
  bindingUidLabel: 'keysync.dev/binding-uid',
  bindingAnnotation: 'keysync.dev/binding',
  resourceIdAnnotation: 'keysync.dev/resource-id',
  dataHashAnnotation: 'keysync.dev/data-hash',
  /** The generation of the key state the data comes from (see KeyLedger): a write never lowers it. */
  keyGenerationAnnotation: 'keysync.dev/key-generation',
  /** The first 16 hex characters of that key state's fingerprint: which keys a Secret holds, by hash. */
  keyFingerprintAnnotation: 'keysync.dev/key-fingerprint',
} as const;

/** The metadata of an existing Secret that ownership decisions need (never its data). */
export interface SecretOwnershipView {
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  readonly ownerReferences?: ReadonlyArray<{ kind?: string; uid?: string; name?: string }> | undefined;
}

/** Who owns an existing Secret, as far as aks-keysync is concerned. */
export type SecretOwner =
  | { readonly kind: 'binding'; readonly uid: string; readonly bindingName: string }
  | { readonly kind: 'foreign' };

/**
 * Reads ownership from a Secret's metadata: ours only if it carries our managed-by label, our binding-UID
 * label and a matching KeyBinding ownerReference.
 * @param meta - the existing Secret's metadata
 */
export function secretOwner(meta: SecretOwnershipView): SecretOwner {
  const uid = meta.labels?.[ownership.bindingUidLabel];
  const ours = meta.labels?.[ownership.managedByLabel] === ownership.managedByValue;
  const ref = meta.ownerReferences?.find((r) => r.kind === keyBindingApi.kind && r.uid === uid);
  if (!ours || !uid || !ref) return { kind: 'foreign' };
  return {
    kind: 'binding',
    uid,
    bindingName: meta.annotations?.[ownership.bindingAnnotation] ?? ref.name ?? uid,
  };
}

/**
 * The key generation a Secret records, if any (an unreadable one counts as none).
 * @param meta - the Secret's metadata
 */
export function recordedKeyGeneration(meta: SecretOwnershipView): number | undefined {
  const raw = meta.annotations?.[ownership.keyGenerationAnnotation];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The metadata aks-keysync puts on a Secret it writes for `binding`.
 * @param binding - the owner
 * @param dataHash - hash of the data written
 * @param keys - the key state the data comes from, when it holds keys
 */
export function ownedSecretMetadata(
  binding: KeyBinding,
  dataHash: string,
  keys?: { readonly generation: number; readonly fingerprint: string },
) {
  return {
    labels: {
      [ownership.managedByLabel]: ownership.managedByValue,
      [ownership.bindingUidLabel]: binding.uid,
    },
    annotations: {
      [ownership.bindingAnnotation]: binding.name,
      [ownership.resourceIdAnnotation]: binding.resourceId,
      [ownership.dataHashAnnotation]: dataHash,
      ...(keys
        ? {
            [ownership.keyGenerationAnnotation]: String(keys.generation),
            [ownership.keyFingerprintAnnotation]: keys.fingerprint,
          }
        : {}),
    },
    ownerReferences: [
      {
        apiVersion: keyBindingApi.apiVersion,
        kind: keyBindingApi.kind,
        name: binding.name,
        uid: binding.uid,
        controller: true,
        blockOwnerDeletion: false,
      },
    ],
  };
}
