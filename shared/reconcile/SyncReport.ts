import { ErrorCode, KeySyncError } from '../errors.ts';

/**
 * What happened to one Secret. `superseded`: not written because it already holds keys newer than the ones this
 * pass read (another path wrote them meanwhile); its data is left as it is.
 */
export type SecretAction =
  'created' | 'updated' | 'unchanged' | 'superseded' | 'deleted' | 'conflict' | 'error';

/** What happened to one binding, the most severe of its Secrets' actions (or why nothing was written). */
export type BindingAction = 'created' | 'updated' | 'unchanged' | 'conflict' | 'error';

/** One Secret in a report: names and data keys only, never values. */
export interface SecretReport {
  readonly name: string;
  readonly action: SecretAction;
  /** Data keys written (or that would be written, in a dry run). */
  readonly keys: readonly string[];
  readonly reason?: ErrorCode;
  readonly message?: string;
  /** Set with `error`: whether the same write may succeed later (timeouts, 5xx, lost 409 races). */
  readonly retryable?: boolean;
  /** Hash of the data the Secret holds after this pass (written, unchanged or superseded). */
  readonly dataHash?: string;
}

/** One binding in a report. */
export interface BindingReport {
  readonly cluster: string;
  readonly namespace: string;
  readonly binding: string;
  readonly resourceId: string;
  readonly action: BindingAction;
  readonly secrets: readonly SecretReport[];
  /** Set when the action is `conflict` or `error`: a reason code and a message a person can act on. */
  readonly reason?: ErrorCode;
  readonly message?: string;
  /**
   * Whether the failure may pass if the same work is done again (false when the binding succeeded): the one
   * flag the adapters read to decide whether to ask Event Grid or Service Bus to deliver again.
   */
  readonly retryable: boolean;
}

/** A cluster that could not be reached or read. */
export interface ClusterFailure {
  readonly cluster: string;
  readonly reason: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
}

/** The answer of a resync: one entry per binding, plus clusters that failed as a whole. */
export interface ResyncReport {
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly durationInMs: number;
  readonly bindings: readonly BindingReport[];
  readonly clusterFailures: readonly ClusterFailure[];
  /** Count of bindings per action. */
  readonly totals: Readonly<Record<BindingAction, number>>;
  /** ARM key fetches made (one per resource, however many bindings). */
  readonly resourcesFetched: number;
}

const severity: Record<SecretAction, number> = {
  unchanged: 0,
  superseded: 0,
  deleted: 1,
  updated: 2,
  created: 3,
  conflict: 4,
  error: 5,
};

/**
 * The binding-level action summarising its Secrets' actions.
 * @param secrets - per-Secret outcomes
 */
export function summariseAction(secrets: readonly SecretReport[]): BindingAction {
  const worst = secrets.reduce<SecretAction>(
    (w, s) => (severity[s.action] > severity[w] ? s.action : w),
    'unchanged',
  );
  return worst === 'deleted' ? 'updated' : worst === 'superseded' ? 'unchanged' : worst;
}

/**
 * Counts bindings per action.
 * @param bindings - report entries
 */
export function countActions(bindings: readonly BindingReport[]): Record<BindingAction, number> {
  const totals: Record<BindingAction, number> = {
    created: 0,
    updated: 0,
    unchanged: 0,
    conflict: 0,
    error: 0,
  };
  for (const b of bindings) totals[b.action] += 1;
  return totals;
}

/** What a pass on any path produced: the input of the single redelivery decision. */
export interface PassOutcome {
  readonly bindings: readonly BindingReport[];
  readonly clusterFailures: readonly ClusterFailure[];
}

/**
 * The one place that decides whether a pass must be done again: every retryable failure of a binding (a
 * Secret write that timed out, got a 5xx or lost its 409 races; keys that could not be fetched or were still
 * stale) or of a whole cluster. The event and watch adapters throw when this is non-empty, so Event Grid or
 * Service Bus delivers again; the writes that succeeded stay done and are not repeated (unchanged Secrets are
 * not written).
 * @param outcome - reports of the pass
 * @returns one error per retryable failure, naming the object
 */
export function retryableFailures(outcome: PassOutcome): KeySyncError[] {
  const out: KeySyncError[] = [];
  for (const f of outcome.clusterFailures) {
    if (f.retryable)
      out.push(new KeySyncError(f.reason, f.message, { retryable: true, details: { cluster: f.cluster } }));
  }
  for (const b of outcome.bindings) {
    if (!b.retryable) continue;
    out.push(
      new KeySyncError(b.reason ?? ErrorCode.Internal, b.message ?? 'sync failed', {
        retryable: true,
        details: { cluster: b.cluster, namespace: b.namespace, binding: b.binding },
      }),
    );
  }
  return out;
}
