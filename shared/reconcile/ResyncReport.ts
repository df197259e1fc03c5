import type { ErrorCode } from '../errors.ts';

/** What happened to one Secret. */
export type SecretAction = 'created' | 'updated' | 'unchanged' | 'deleted' | 'conflict' | 'error';

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
  readonly retryable?: boolean;
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
  return worst === 'deleted' ? 'updated' : worst;
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
