import { z } from 'zod';

import names from '../infra/config/names.json' with { type: 'json' };
import { normalizeArmEndpoint, publicArmEndpoint } from './arm/armClientOptions.ts';
import { ErrorCode, ValidationError } from './errors.ts';
import { describeIssues } from './describeIssues.ts';
import type { WatchRetryPolicy } from './watch/watchRetryPolicy.ts';
import { defaultWatchRetryPolicy } from './watch/watchRetryPolicy.ts';
import { defaultAzureTimeoutInMs } from './timeouts/defaultAzureTimeout.ts';

/**
 * The trigger connection's namespace setting (`<names.json serviceBus.connection>__fullyQualifiedNamespace`),
 * which also tells the app where to schedule watch retries. A literal, so zod can type the schema; a test
 * checks it against names.json.
 */
export const serviceBusNamespaceSetting = 'ServiceBusConnection__fullyQualifiedNamespace';
/** A scheduled retry must land before the queue's message time-to-live (1 day, serviceBus.bicep) ends. */
const maxWatchRetryWindowInMs = 86_400_000;

/** Checks the ARM endpoint by the one rule every ARM client applies (https only; see normalizeArmEndpoint). */
function checkArmEndpoint(value: string, ctx: z.RefinementCtx): void {
  try {
    normalizeArmEndpoint(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
  }
}

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z
  .object({
    KEYSYNC_ARM_ENDPOINT: z.string().default(publicArmEndpoint).superRefine(checkArmEndpoint),
    KEYSYNC_ARM_CA_FILE: z.string().min(1).optional(),
    KEYSYNC_TABLES_ENDPOINT: z.url().optional(),
    KEYSYNC_TABLES_CONNECTION_STRING: z.string().min(1).optional(),
    KEYSYNC_BINDINGS_TABLE: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/)
      .default('keysyncBindings'),
    KEYSYNC_CLUSTERS_TABLE: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/)
      .default('keysyncClusters'),
    AZURE_CLIENT_ID: z.string().min(1).optional(),
    KEYSYNC_DEV_BEARER_TOKEN: z.string().min(8).optional(),
    KEYSYNC_CLUSTER_CONCURRENCY: positiveInt(8),
    KEYSYNC_RESOURCE_CONCURRENCY: positiveInt(16),
    KEYSYNC_ARM_WRITES_BURST: positiveInt(200),
    KEYSYNC_ARM_WRITES_PER_SECOND: positiveInt(10),
    KEYSYNC_KUBE_TIMEOUT_MS: positiveInt(10_000),
    KEYSYNC_AZURE_TIMEOUT_MS: positiveInt(defaultAzureTimeoutInMs),
    KEYSYNC_RESYNC_SCHEDULE: z.string().min(1).default('0 0 * * * *'),
    KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS: z
      .enum(['true', 'false'], 'must be true or false')
      .default('false')
      .transform((v) => v === 'true'),
    KEYSYNC_WATCH_QUEUE: z.string().min(1).max(260).default(names.serviceBus.watchQueue),
    [serviceBusNamespaceSetting]: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name such as sb-x.servicebus.windows.net')
      .optional(),
    KEYSYNC_WATCH_RETRY_INITIAL_MS: positiveInt(defaultWatchRetryPolicy.initialDelayInMs),
    KEYSYNC_WATCH_RETRY_MAX_MS: positiveInt(defaultWatchRetryPolicy.maxDelayInMs),
    KEYSYNC_WATCH_RETRY_WINDOW_MS: positiveInt(defaultWatchRetryPolicy.windowInMs).pipe(
      z.number().max(maxWatchRetryWindowInMs, 'must not exceed the queue message time-to-live (1 day)'),
    ),
  })
  .refine((c) => Boolean(c.KEYSYNC_TABLES_ENDPOINT) !== Boolean(c.KEYSYNC_TABLES_CONNECTION_STRING), {
    message:
      'set exactly one of KEYSYNC_TABLES_ENDPOINT (Azure, managed identity) and KEYSYNC_TABLES_CONNECTION_STRING (Azurite)',
    path: ['KEYSYNC_TABLES_ENDPOINT'],
  })
  .refine((c) => c.KEYSYNC_WATCH_RETRY_INITIAL_MS <= c.KEYSYNC_WATCH_RETRY_MAX_MS, {
    message: 'must not be below KEYSYNC_WATCH_RETRY_INITIAL_MS',
    path: ['KEYSYNC_WATCH_RETRY_MAX_MS'],
  })
  .refine((c) => c.KEYSYNC_WATCH_RETRY_MAX_MS <= c.KEYSYNC_WATCH_RETRY_WINDOW_MS, {
    message: 'must not be below KEYSYNC_WATCH_RETRY_MAX_MS',
    path: ['KEYSYNC_WATCH_RETRY_WINDOW_MS'],
  });

/** The service's settings, read once at start-up and frozen. */
export interface Config {
  readonly armEndpoint: string;
  /** PEM file of a CA to trust for ARM (only for a local ARM simulator). */
  readonly armCaFile?: string;
  readonly tables: { readonly endpoint: string } | { readonly connectionString: string };
  readonly bindingsTable: string;
  readonly clustersTable: string;
  /** Client ID of the user-assigned managed identity. */
  readonly managedIdentityClientId?: string;
  /** Local development only: a fixed bearer token used instead of a managed identity. */
  readonly devBearerToken?: string;
  readonly clusterConcurrency: number;
  readonly resourceConcurrency: number;
  readonly armWritesBurst: number;
  readonly armWritesPerSecond: number;
  readonly kubeRequestTimeoutInMs: number;
  /**
   * Bound of one call to Azure: a Table storage operation, the AKS endpoint lookup and an Entra ID token
   * request, SDK retries included; for key reads through ARM, each attempt (the SDK retries them).
   */
  readonly azureTimeoutInMs: number;
  readonly resyncSchedule: string;
  /**
   * Whether clusters may be registered by kubeconfig (development, clusters outside AKS). Off by default: such a
   * registration stores a credential in the cluster table, readable by whoever can read that table; AKS
   * clusters by ARM ID store none.
   */
  readonly allowKubeconfigClusters: boolean;
  /** The queue the watchers send to and `onClusterWatchEvent` reads; watch retries are scheduled on it. */
  readonly watchQueue: string;
  /**
   * `<namespace>.servicebus.windows.net` of the watch queue (`ServiceBusConnection__fullyQualifiedNamespace`,
   * shared with the trigger). Absent: retries cannot be scheduled and fall back to immediate redelivery.
   */
  readonly serviceBusNamespace?: string;
  /** Backoff and window of the watch path's delayed retries. */
  readonly watchRetry: WatchRetryPolicy;
}

/**
 * Reads and validates every setting at once.
 * @param env - the environment (process.env by default)
 * @returns the frozen configuration
 * @throws ValidationError (`ConfigInvalid`) listing every missing or invalid setting by name
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new ValidationError(ErrorCode.Config, `invalid configuration: ${problems.join('; ')}`, problems);
  }
  const c = parsed.data;
  return Object.freeze({
    armEndpoint: normalizeArmEndpoint(c.KEYSYNC_ARM_ENDPOINT),
    ...(c.KEYSYNC_ARM_CA_FILE ? { armCaFile: c.KEYSYNC_ARM_CA_FILE } : {}),
    tables: c.KEYSYNC_TABLES_ENDPOINT
      ? { endpoint: c.KEYSYNC_TABLES_ENDPOINT }
      : { connectionString: c.KEYSYNC_TABLES_CONNECTION_STRING ?? '' },
    bindingsTable: c.KEYSYNC_BINDINGS_TABLE,
    clustersTable: c.KEYSYNC_CLUSTERS_TABLE,
    ...(c.AZURE_CLIENT_ID ? { managedIdentityClientId: c.AZURE_CLIENT_ID } : {}),
    ...(c.KEYSYNC_DEV_BEARER_TOKEN ? { devBearerToken: c.KEYSYNC_DEV_BEARER_TOKEN } : {}),
    clusterConcurrency: c.KEYSYNC_CLUSTER_CONCURRENCY,
    resourceConcurrency: c.KEYSYNC_RESOURCE_CONCURRENCY,
    armWritesBurst: c.KEYSYNC_ARM_WRITES_BURST,
    armWritesPerSecond: c.KEYSYNC_ARM_WRITES_PER_SECOND,
    kubeRequestTimeoutInMs: c.KEYSYNC_KUBE_TIMEOUT_MS,
    azureTimeoutInMs: c.KEYSYNC_AZURE_TIMEOUT_MS,
    resyncSchedule: c.KEYSYNC_RESYNC_SCHEDULE,
    allowKubeconfigClusters: c.KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS,
    watchQueue: c.KEYSYNC_WATCH_QUEUE,
    ...(c[serviceBusNamespaceSetting] ? { serviceBusNamespace: c[serviceBusNamespaceSetting] } : {}),
    watchRetry: Object.freeze({
      initialDelayInMs: c.KEYSYNC_WATCH_RETRY_INITIAL_MS,
      maxDelayInMs: c.KEYSYNC_WATCH_RETRY_MAX_MS,
      windowInMs: c.KEYSYNC_WATCH_RETRY_WINDOW_MS,
    }),
  });
}
