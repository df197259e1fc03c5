import { defaultThrottlingLimits, type OperationClass, type ThrottlingLimits } from './ArmThrottle.ts';
import type { TokenBucketLimits } from './TokenBucket.ts';

/** Throttling settings: per operation class, what differs from ARM's defaults; `false` turns throttling off. */
export type ThrottlingOptions = Partial<Record<OperationClass, TokenBucketLimits>> | false;

/** Options of {@link ArmSimulator.start}. */
export interface ArmSimulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Tenant named in events and kubeconfigs. */
  tenantId?: string;
  /** Bearer token -> principal name. An unmapped token is a principal named by the token. */
  tokens?: Readonly<Record<string, string>>;
  /** Principal name -> actions that get 403 `AuthorizationFailed` (trailing `*` = prefix). */
  deniedActions?: Readonly<Record<string, readonly string[]>>;
  /**
   * Token buckets per (principal, subscription, class). Defaults are ARM's: reads 250 burst + 25/s,
   * writes (every POST, incl. listKeys) 200 + 10/s, deletes 200 + 10/s.
   */
  throttling?: ThrottlingOptions;
  /** Latency added to every request (ms). Default 0. */
  latencyInMs?: number;
  /** Duration of a Cosmos DB `regenerateKey` long-running operation (ms). Default 1000. */
  lroDurationInMs?: number;
  /**
   * When a Cosmos DB `regenerateKey` raises its ResourceActionSuccess event: `accepted` (default: at the 202,
   * before the key changes, so handlers see stale keys first) or `completed`. Azure does not document which.
   */
  cosmosRegenerateEventAt?: 'accepted' | 'completed';
  /** Principal named in events raised by the control API (regenerateKey, deleteResource...). */
  operatorPrincipal?: string;
}

/** The throttle limits for options (undefined = off). */
export function throttlingLimitsOf(options: ThrottlingOptions | undefined): ThrottlingLimits | undefined {
  if (options === false) return undefined;
  return { ...defaultThrottlingLimits, ...options };
}
