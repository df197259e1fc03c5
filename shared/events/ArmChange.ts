import type { ArmResourceId } from '../arm/parseResourceId.ts';

/** What an ARM event means for the bindings of one resource. */
export type ArmChangeKind = 'keys' | 'write' | 'delete';

/** A key-relevant change to one resource, from one Event Grid event. */
export interface ArmChange {
  readonly kind: ArmChangeKind;
  readonly resource: ArmResourceId;
  readonly eventId: string;
  /** When ARM says the operation happened. */
  readonly eventTime: Date;
  readonly operationName: string;
}

/** An event that is valid but says nothing we act on (our own listKeys echo, other operations). */
export interface IgnoredEvent {
  readonly ignored: true;
  readonly eventId: string;
  readonly reason: string;
}
