/**
 * One place that decides how every ARM SDK client (modular: arm-storage, arm-cosmosdb, arm-containerservice;
 * classic: arm-rediscache) talks to ARM: endpoint, token scope, TLS trust, retries, per-attempt timeout.
 */
import type { TokenCredential } from '@azure/identity';
import names from '../../infra/config/names.json' with { type: 'json' };
import { ErrorCode, KeySyncError } from '../errors.ts';

/** The public-cloud ARM endpoint (from infra/config/names.json, which the Bicep reads too). */
export const publicArmEndpoint: string = names.defaults.armEndpoint;

/** How to reach ARM. */
export interface ArmConnection {
  /**
   * ARM endpoint: `https://management.azure.com` in the public cloud, the sovereign cloud's ARM URL
   * (`https://management.chinacloudapi.cn`, `https://management.usgovcloudapi.net`), or the ARM simulator's URL.
   */
  readonly endpoint: string;
  /** The service identity (managed identity in Azure). */
  readonly credential: TokenCredential;
  /** Extra CA (PEM) to trust for the endpoint, e.g. the ARM simulator's. */
  readonly caPem?: string;
  /** SDK retries per call (429 waits for `Retry-After`; 5xx and network errors back off). Default 3. */
  readonly maxRetries?: number;
  /** Base delay of the SDK's exponential backoff for 5xx / network errors. Default 1000 ms. */
  readonly retryDelayInMs?: number;
  /** Cap of that backoff. Default 16 000 ms. */
  readonly maxRetryDelayInMs?: number;
  /** Time one HTTP attempt may take before it is cancelled. Default 30 000 ms. */
  readonly requestTimeoutInMs?: number;
  /** Token audience when it differs from the endpoint (rare: Azure Stack). Default: the endpoint. */
  readonly audience?: string;
}

/**
 * Options every ARM SDK client accepts. Both spellings of the token scope are set: `credentials.scopes`
 * (modular clients, which otherwise always ask for the public cloud's scope) and `credentialScopes` (classic
 * clients, which otherwise derive it from the endpoint).
 */
export interface ArmClientOptions {
  endpoint: string;
  /** Classic clients' host parameter, set to the endpoint as well. */
  $host: string;
  credentials: { scopes: string[] };
  credentialScopes: string[];
  tlsOptions?: { ca: string };
  retryOptions: { maxRetries: number; retryDelayInMs: number; maxRetryDelayInMs: number };
  userAgentOptions: { userAgentPrefix: string };
}

/** Per-call options for ARM SDK operations: cancellation and the per-attempt timeout. */
export interface ArmOperationOptions {
  abortSignal?: AbortSignal;
  requestOptions: { timeout: number };
}

/** Default per-attempt timeout of ARM calls. */
export const defaultArmRequestTimeoutInMs = 30_000;

/**
 * Normalises an ARM endpoint: no trailing slash, https only.
 * @param endpoint - the configured endpoint
 * @throws KeySyncError `ConfigInvalid` when it is not an https URL (bearer tokens are never sent over http)
 */
export function normalizeArmEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new KeySyncError(ErrorCode.Config, `ARM endpoint '${endpoint}' is not a URL`);
  }
  if (url.protocol !== 'https:') {
    throw new KeySyncError(
      ErrorCode.Config,
      `ARM endpoint '${endpoint}' must use https (bearer tokens are never sent over http)`,
    );
  }
  return url.toString().replace(/\/+$/, '');
}

/**
 * The token scope for an ARM endpoint: `<audience>/.default`, e.g. `https://management.azure.com/.default`
 * for the public cloud (never `https://management.azure.com//.default`).
 * @param connection - endpoint and optional audience
 */
export function armTokenScope(connection: Pick<ArmConnection, 'endpoint' | 'audience'>): string {
  const audience = (connection.audience ?? normalizeArmEndpoint(connection.endpoint)).replace(/\/+$/, '');
  return `${audience}/.default`;
}

/**
 * Builds the options for any ARM SDK client constructor.
 * @param connection - how to reach ARM
 * @returns options to pass as the clients' last constructor argument
 * @throws KeySyncError `ConfigInvalid` for a non-https endpoint
 */
export function armClientOptions(connection: ArmConnection): ArmClientOptions {
  const scope = armTokenScope(connection);
  const endpoint = normalizeArmEndpoint(connection.endpoint);
  return {
    endpoint,
    $host: endpoint,
    credentials: { scopes: [scope] },
    credentialScopes: [scope],
    ...(connection.caPem ? { tlsOptions: { ca: connection.caPem } } : {}),
    retryOptions: {
      maxRetries: connection.maxRetries ?? 3,
      retryDelayInMs: connection.retryDelayInMs ?? 1000,
      maxRetryDelayInMs: connection.maxRetryDelayInMs ?? 16_000,
    },
    userAgentOptions: { userAgentPrefix: 'aks-keysync' },
  };
}

/**
 * Per-call options: the caller's abort signal and the per-attempt timeout of `connection`.
 * @param connection - supplies `requestTimeoutInMs`
 * @param abortSignal - cancels the call
 */
export function armOperationOptions(
  connection: ArmConnection,
  abortSignal?: AbortSignal,
): ArmOperationOptions {
  return {
    ...(abortSignal ? { abortSignal } : {}),
    requestOptions: { timeout: connection.requestTimeoutInMs ?? defaultArmRequestTimeoutInMs },
  };
}
