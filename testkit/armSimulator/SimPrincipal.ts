import { createHash } from 'node:crypto';

/** The identity behind a bearer token, as ARM would see it. */
export interface SimPrincipal {
  /** Principal name (the token itself unless the simulator maps tokens to names). */
  readonly name: string;
  /** Stable object ID derived from the name. */
  readonly objectId: string;
  /** Stable application (client) ID derived from the name. */
  readonly appId: string;
  readonly principalType: 'ServicePrincipal' | 'User';
}

/**
 * The principal with this name: IDs are derived from the name, so the same name always gets the same IDs.
 * @param name - principal name
 * @param principalType - `ServicePrincipal` for tokens, `User` for the simulator's operator
 */
export function simPrincipal(
  name: string,
  principalType: SimPrincipal['principalType'] = 'ServicePrincipal',
): SimPrincipal {
  return { name, objectId: stableUuid(`oid:${name}`), appId: stableUuid(`appid:${name}`), principalType };
}

/** A UUID-shaped string derived from `seed` (not random: same seed, same value). */
export function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
