import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';

import type { KeyBinding } from '../bindings/KeyBinding.ts';
import { bindingLabel } from '../bindings/KeyBinding.ts';
import type { KeySyncError } from '../errors.ts';
import { ErrorCode } from '../errors.ts';
import type { SecretObject } from '../kube/ClusterClient.ts';
import type { Logger } from '../logging.ts';
import { errorFields } from '../logging.ts';
import { bindingEvents, buildBindingStatus } from './bindingStatus.ts';
import type { BindingInput, BindingPlan } from './collectDesiredSecrets.ts';
import { collectDesiredSecrets, secretKey } from './collectDesiredSecrets.ts';
import type { LoadedCluster } from './LoadedCluster.ts';
import { secretOwner } from '../kube/ownership.ts';
import type { SecretOwner } from '../kube/ownership.ts';
import type { BindingReport } from './SyncReport.ts';
import { summariseAction } from './SyncReport.ts';
import { applyBindingPlan } from './applyBindingPlan.ts';

/** Options for {@link applyToCluster}. */
export interface ApplyToClusterOptions {
  readonly dryRun: boolean;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Requests in flight towards the cluster (Secret reads, then writes, then status). Default 16. */
  readonly concurrency?: number;
}

/** Default of {@link ApplyToClusterOptions.concurrency}. */
export const defaultApplyConcurrency = 16;

/**
 * Reconciles one cluster: reads the Secrets its bindings target, computes the desired Secrets (collector),
 * applies them (writer), and writes each binding's status and Events. Bindings are applied concurrently
 * (bounded): the collector has already given every target Secret to at most one binding. All Secrets are
 * written before any status, since the Secrets are what workloads wait for. Never throws for a single
 * binding's failure; it is in that binding's report.
 * @param cluster - the cluster and its bindings
 * @param inputs - per binding, the values of its resource or the error that stops it
 * @param options - dry run, logging, clock
 * @returns one report per binding
 */
export async function applyToCluster(
  cluster: LoadedCluster,
  inputs: readonly BindingInput[],
  options: ApplyToClusterOptions,
): Promise<BindingReport[]> {
  const { client } = cluster;
  const limit = pLimit(Math.max(1, options.concurrency ?? defaultApplyConcurrency));
  const existing = await readTargets(cluster, inputs, limit);
  const owners = new Map<string, SecretOwner>();
  for (const [key, s] of existing) if (s) owners.set(key, secretOwner(s));
  const plans = collectDesiredSecrets(inputs, owners);
  const applied = await Promise.all(
    plans.map((plan) =>
      plan.error
        ? Promise.resolve({ plan, report: errorReport(plan.binding, plan.error) })
        : limit(async () => ({ plan, report: await applyPlan(cluster, plan, existing, options) })),
    ),
  );
  if (!options.dryRun) {
    await Promise.all(
      applied.map(({ plan, report }) => limit(() => recordOutcome(cluster, plan, report, options))),
    );
  }
  const reports = applied.map((a) => a.report);
  options.logger.info(
    { cluster: client.cluster, bindings: reports.length, dryRun: options.dryRun },
    'cluster reconciled',
  );
  return reports;
}

async function applyPlan(
  cluster: LoadedCluster,
  plan: BindingPlan,
  existing: ReadonlyMap<string, SecretObject | undefined>,
  options: ApplyToClusterOptions,
): Promise<BindingReport> {
  const { binding } = plan;
  const mine = new Map<string, SecretObject | undefined>();
  for (const name of [...plan.secrets.map((s) => s.name), ...plan.staleSecrets]) {
    const key = secretKey(binding.cluster, binding.namespace, name);
    if (existing.has(key)) mine.set(name, existing.get(key));
  }
  const secrets = await applyBindingPlan(cluster.client, plan, { dryRun: options.dryRun, existing: mine });
  const action = summariseAction(secrets);
  const failed = secrets.find((s) => s.action === 'conflict' || s.action === 'error');
  return {
    ...ref(binding),
    action,
    secrets,
    retryable: secrets.some((s) => s.retryable === true),
    ...(failed
      ? { reason: failed.reason ?? ErrorCode.Internal, message: failed.message ?? 'write failed' }
      : {}),
  };
}

/**
 * Reads every Secret the bindings target or used to own. A failed read is left out of the map: the writer
 * reads that Secret again itself, so the failure lands in that one binding's report.
 */
async function readTargets(
  cluster: LoadedCluster,
  inputs: readonly BindingInput[],
  limit: LimitFunction,
): Promise<Map<string, SecretObject | undefined>> {
  const out = new Map<string, SecretObject | undefined>();
  const wanted = new Set<string>();
  for (const { binding } of inputs) {
    for (const d of Object.values(binding.secrets)) wanted.add(`${binding.namespace}/${d.name}`);
    for (const s of binding.previouslyOwnedSecrets) wanted.add(`${binding.namespace}/${s}`);
  }
  await Promise.all(
    [...wanted].map((nsName) =>
      limit(async () => {
        const [namespace = '', name = ''] = nsName.split('/');
        try {
          out.set(
            secretKey(cluster.client.cluster, namespace, name),
            await cluster.client.getSecret(namespace, name),
          );
        } catch {
          // Left out: the writer reads it again and reports the failure against the binding.
        }
      }),
    ),
  );
  return out;
}

async function recordOutcome(
  cluster: LoadedCluster,
  plan: BindingPlan,
  report: BindingReport,
  options: ApplyToClusterOptions,
): Promise<void> {
  const { binding } = plan;
  const hashes = new Map(report.secrets.flatMap((s) => (s.dataHash ? [[s.name, s.dataHash] as const] : [])));
  try {
    await cluster.client.patchKeyBindingStatus(
      binding,
      buildBindingStatus(binding, report, hashes, options.now()),
    );
    for (const e of bindingEvents(binding, report)) await cluster.client.recordEvent(binding, e);
  } catch (err) {
    options.logger.warn(
      { binding: bindingLabel(binding), ...errorFields(err) },
      'could not write KeyBinding status',
    );
  }
}

/** A report for a binding stopped before any write. */
export function errorReport(
  binding: Pick<KeyBinding, 'cluster' | 'namespace' | 'name' | 'resourceId'>,
  error: KeySyncError,
): BindingReport {
  const conflict = error.code === ErrorCode.SecretConflict || error.code === ErrorCode.SecretNotOwned;
  return {
    ...ref(binding),
    action: conflict ? 'conflict' : 'error',
    secrets: [],
    reason: error.code,
    message: error.message,
    retryable: !conflict && error.retryable,
  };
}

function ref(b: Pick<KeyBinding, 'cluster' | 'namespace' | 'name' | 'resourceId'>) {
  return { cluster: b.cluster, namespace: b.namespace, binding: b.name, resourceId: b.resourceId };
}
