import type { ArmEventType } from './ArmEvent.ts';
import type { EventBus } from './EventBus.ts';
import type { LongRunningOperations } from './LongRunningOperations.ts';
import type { ResourceStore } from './ResourceStore.ts';
import type { SimPrincipal } from './SimPrincipal.ts';

/** An authenticated request, as handlers see it. */
export interface SimRequest {
  readonly method: string;
  /** Full URL on the simulator. */
  readonly url: URL;
  /** Parsed JSON body (undefined when empty). */
  readonly body: unknown;
  readonly principal: SimPrincipal;
  readonly correlationId: string;
  readonly clientRequestId: string;
  readonly clientIpAddress: string;
}

/** What a handler answers. */
export interface SimResponse {
  readonly status: number;
  /** JSON body; only a 204 may have none. */
  readonly body?: unknown;
  /** Body text sent as is instead of `body` (malformed-response faults). */
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The event this response raises. Default: `ResourceActionSuccess` for a successful POST,
   * `ResourceWriteSuccess` for PUT/PATCH, `ResourceDeleteSuccess` for DELETE, none for GET. `null`: none.
   */
  readonly eventType?: ArmEventType | null;
  /** Resource ID in stored casing, for the call log and the event. */
  readonly resourceId?: string;
}

/** Publishes the event of a successful operation on behalf of a request. */
export type PublishFor = (
  req: SimRequest,
  eventType: ArmEventType,
  resourceId: string,
  operation: string,
) => void;

/** What handlers may use. */
export interface SimServices {
  readonly store: ResourceStore;
  readonly operations: LongRunningOperations;
  readonly bus: EventBus;
  readonly tenantId: string;
  /** `https://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** How long a Cosmos `regenerateKey` runs. */
  readonly lroDurationInMs: () => number;
  /** When a Cosmos `regenerateKey` raises its event: on acceptance (202) or on completion. */
  readonly cosmosRegenerateEventAt: 'accepted' | 'completed';
  readonly publishFor: PublishFor;
}
