import type { KeyBinding } from '../bindings/KeyBinding.ts';
import type { BindingEvent } from '../kube/ClusterClient.ts';
import { parseResourceId } from '../arm/parseResourceId.ts';
import type { BindingReport } from './SyncReport.ts';

/** The Ready condition as written to `.status.conditions`. */
export interface ReadyCondition {
  readonly type: 'Ready';
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration: number;
  readonly lastTransitionTime: string;
}

/**
 * Builds the status aks-keysync writes on a KeyBinding after a pass: Ready condition (reason `Synced` or the
 * error code), observed generation, last successful sync, and the Secrets it owns with their data hashes.
 * @param binding - the binding
 * @param report - its outcome
 * @param hashes - Secret name -> data hash, for the Secrets written or unchanged
 * @param now - current time
 */
export function buildBindingStatus(
  binding: KeyBinding,
  report: BindingReport,
  hashes: ReadonlyMap<string, string>,
  now: Date,
): Record<string, unknown> {
  const ok = report.action !== 'error' && report.action !== 'conflict';
  const reason = ok ? 'Synced' : (report.reason ?? 'Error');
  const message = ok ? syncedMessage(report) : (report.message ?? 'sync failed');
  const changed = binding.ready?.status !== (ok ? 'True' : 'False') || binding.ready?.reason !== reason;
  const condition: ReadyCondition = {
    type: 'Ready',
    status: ok ? 'True' : 'False',
    reason,
    message: message.slice(0, 2048),
    observedGeneration: binding.generation,
    lastTransitionTime:
      changed || !binding.ready?.lastTransitionTime ? now.toISOString() : binding.ready.lastTransitionTime,
  };
  const owned = report.secrets.filter(
    (s) => s.action !== 'deleted' && s.action !== 'conflict' && s.action !== 'error',
  );
  return {
    observedGeneration: binding.generation,
    resourceName: resourceName(binding.resourceId),
    ...(ok ? { lastSyncTime: now.toISOString() } : {}),
    secrets: ok
      ? owned.map((s) => ({ name: s.name, keys: [...s.keys], dataHash: hashes.get(s.name) ?? '' }))
      : binding.previouslyOwnedSecrets.map((name) => ({ name })),
    conditions: [condition],
  };
}

/**
 * Kubernetes Events worth recording for this outcome: one per created/updated Secret, and a Warning when the
 * binding fails (only when its Ready reason changes, so a persistent failure does not flood the namespace).
 * @param binding - the binding
 * @param report - its outcome
 */
export function bindingEvents(binding: KeyBinding, report: BindingReport): BindingEvent[] {
  const events: BindingEvent[] = [];
  for (const s of report.secrets) {
    if (s.action === 'created' || s.action === 'updated' || s.action === 'deleted') {
      const verb = s.action === 'deleted' ? 'Deleted' : s.action === 'created' ? 'Created' : 'Updated';
      events.push({
        type: 'Normal',
        reason: `Secret${verb}`,
        message: `Secret ${s.name} ${s.action}${s.keys.length ? ` (keys: ${s.keys.join(', ')})` : ''}`,
      });
    }
  }
  const failing = report.action === 'error' || report.action === 'conflict';
  if (failing && (binding.ready?.reason !== report.reason || binding.ready?.status !== 'False')) {
    events.push({
      type: 'Warning',
      reason: report.reason ?? 'SyncFailed',
      message: report.message ?? 'sync failed',
    });
  }
  return events;
}

function syncedMessage(report: BindingReport): string {
  const n = report.secrets.filter((s) => s.action !== 'deleted').length;
  return `${n} Secret${n === 1 ? '' : 's'} in sync with ${resourceName(report.resourceId)}`;
}

function resourceName(resourceId: string): string {
  try {
    const id = parseResourceId(resourceId);
    return `${id.resourceType.split('/')[1] ?? id.resourceType}/${id.name}`;
  } catch {
    return resourceId.slice(0, 100);
  }
}
