import type { KeyBinding } from '../bindings/KeyBinding.ts';
import type { ClusterClient, SecretObject } from '../kube/ClusterClient.ts';
import { hashSecretData } from '../reconcile/hashSecretData.ts';
import { ownership, secretOwner } from '../kube/ownership.ts';

interface RecordedStatus {
  observedGeneration?: unknown;
  secrets?: Array<{ name?: unknown; dataHash?: unknown }>;
}

/**
 * Whether a binding is exactly as its last successful sync left it, decided from the cluster alone (no ARM
 * call): its status is Ready for the current generation, and every Secret it maps exists, is owned by it,
 * and holds data whose hash equals both the hash recorded in the binding's status and the Secret's own
 * data-hash annotation. A hand-edited, deleted or re-labelled Secret, a changed mapping or a failed last sync
 * all make it false. Key rotation is not this check's business (Event Grid and the resync handle it).
 * @param client - the binding's cluster
 * @param binding - the validated binding
 * @param raw - the same binding as read (for its recorded status)
 * @returns true when nothing needs to be written
 */
export async function isBindingInSync(
  client: ClusterClient,
  binding: KeyBinding,
  raw: unknown,
): Promise<boolean> {
  const status = (raw as { status?: RecordedStatus } | null)?.status;
  if (status?.observedGeneration !== binding.generation || binding.ready?.status !== 'True') return false;
  const recorded = recordedHashes(status);
  const wanted = new Set(Object.values(binding.secrets).map((d) => d.name));
  if (recorded.size !== wanted.size || [...wanted].some((n) => !recorded.has(n))) return false;
  for (const name of wanted) {
    if (!secretMatches(await client.getSecret(binding.namespace, name), binding, recorded.get(name)))
      return false;
  }
  return true;
}

/** Secret name -> data hash, as the last sync recorded them in the binding's status. */
function recordedHashes(status: RecordedStatus): Map<string, string> {
  const recorded = new Map<string, string>();
  for (const s of status.secrets ?? []) {
    if (typeof s.name === 'string' && typeof s.dataHash === 'string') recorded.set(s.name, s.dataHash);
  }
  return recorded;
}

/** The Secret exists, is owned by the binding, and its data hash matches the recorded one and its annotation. */
function secretMatches(
  secret: SecretObject | undefined,
  binding: KeyBinding,
  recorded: string | undefined,
): boolean {
  if (!secret) return false;
  const owner = secretOwner(secret);
  if (owner.kind !== 'binding' || owner.uid !== binding.uid) return false;
  const hash = hashSecretData(secret.data);
  return hash === recorded && secret.annotations[ownership.dataHashAnnotation] === hash;
}
