import { z } from 'zod';

import names from '../infra/config/names.json' with { type: 'json' };
import { ErrorCode, ValidationError } from '../shared/errors.ts';
import type { LogLevel } from '../shared/logging.ts';
import { describeIssues } from '../shared/describeIssues.ts';
import { dnsLabelPattern } from '../shared/kube/names.ts';

const schema = z.object({
  KEYSYNC_CLUSTER_NAME: z.string().regex(dnsLabelPattern, 'must be the name the cluster is registered under'),
  KEYSYNC_SERVICEBUS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'must be a host name such as sb-x.servicebus.windows.net'),
  KEYSYNC_WATCH_QUEUE: z.string().min(1).max(260).default(names.serviceBus.watchQueue),
  KEYSYNC_WATCH_NAMESPACE: z.string().regex(dnsLabelPattern, 'must be a namespace name').optional(),
  KEYSYNC_HEALTH_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  KEYSYNC_COALESCE_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  KEYSYNC_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/** The watcher's settings, read once at start-up. */
export interface WatcherConfig {
  readonly cluster: string;
  /** `<namespace>.servicebus.windows.net`. */
  readonly serviceBusNamespace: string;
  readonly queueName: string;
  /** Watch only this namespace (a namespace-scoped installation); all namespaces when absent. */
  readonly watchNamespace?: string;
  readonly healthPort: number;
  readonly coalesceMs: number;
  readonly logLevel: LogLevel;
}

/**
 * Reads and validates every watcher setting at once.
 * @param env - the environment
 * @throws ValidationError (`ConfigInvalid`) naming every missing or invalid setting
 */
export function loadWatcherConfig(env: Record<string, string | undefined> = process.env): WatcherConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new ValidationError(
      ErrorCode.Config,
      `invalid watcher configuration: ${problems.join('; ')}`,
      problems,
    );
  }
  const c = parsed.data;
  return Object.freeze({
    cluster: c.KEYSYNC_CLUSTER_NAME,
    serviceBusNamespace: c.KEYSYNC_SERVICEBUS_NAMESPACE,
    queueName: c.KEYSYNC_WATCH_QUEUE,
    ...(c.KEYSYNC_WATCH_NAMESPACE ? { watchNamespace: c.KEYSYNC_WATCH_NAMESPACE } : {}),
    healthPort: c.KEYSYNC_HEALTH_PORT,
    coalesceMs: c.KEYSYNC_COALESCE_MS,
    logLevel: c.KEYSYNC_LOG_LEVEL,
  });
}
