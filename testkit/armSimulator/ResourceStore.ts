import { randomBytes } from 'node:crypto';
import { ArmHttpError } from './ArmHttpError.ts';
import type { CosmosKeyName, SimKey, SimResource } from './simResources.ts';

/** Key lengths in random bytes: base64 of 64 bytes is 88 characters (Storage, Cosmos), of 32 bytes 44 (Redis). */
export const keyBytes = { storage: 64, cosmos: 64, redis: 32 } as const;

/** Every value one key of one resource held, oldest first (index = the key's generation). */
export type KeyHistory = Readonly<Record<string, readonly string[]>>;

/**
 * The simulator's resources, indexed by lower-cased ID (ARM IDs are case-insensitive), plus every key value it
 * ever issued (for leak tests) and, per resource and key, the order it issued them in (so a soak can tell an
 * older key from a newer one).
 */
export class ResourceStore {
  readonly #resources = new Map<string, SimResource>();
  readonly #resourceGroups = new Set<string>();
  readonly #issued: string[] = [];
  readonly #history = new Map<string, Map<string, string[]>>();

  /**
   * Issues a new random key and remembers it.
   * @param bytes - random bytes; the value is their base64
   */
  newKey(bytes: number): string {
    const value = randomBytes(bytes).toString('base64');
    this.#issued.push(value);
    return value;
  }

  /** A new storage key record. */
  newStorageKey(): SimKey {
    return { value: this.newKey(keyBytes.storage), creationTime: new Date().toISOString() };
  }

  /** Every key value issued so far, oldest first. */
  issuedKeys(): string[] {
    return [...this.#issued];
  }

  /**
   * Adds a resource (its resource group becomes known).
   * @throws Error when a resource with that ID exists
   */
  add(resource: SimResource): void {
    const key = resource.id.toLowerCase();
    if (this.#resources.has(key))
      throw new Error(`resource ${resource.id} already exists in the ARM simulator`);
    this.#resources.set(key, resource);
    this.#resourceGroups.add(rgKey(resource.subscriptionId, resource.resourceGroup));
    for (const [name, value] of Object.entries(currentKeys(resource))) this.#remember(resource, name, value);
  }

  /**
   * The values each key of a resource held, oldest first, by the key names of {@link currentKeys}. Kept after
   * the resource is deleted.
   * @param id - resource ID, any casing
   */
  keyHistory(id: string): KeyHistory {
    const byKey = this.#history.get(id.toLowerCase());
    return Object.fromEntries([...(byKey ?? [])].map(([name, values]) => [name, [...values]]));
  }

  #remember(resource: SimResource, name: string, value: string): void {
    const id = resource.id.toLowerCase();
    const byKey = this.#history.get(id) ?? new Map<string, string[]>();
    this.#history.set(id, byKey);
    const values = byKey.get(name) ?? [];
    byKey.set(name, values);
    if (values.at(-1) !== value) values.push(value);
  }

  /** The resource with this ID (any casing), if any. */
  get(id: string): SimResource | undefined {
    return this.#resources.get(id.toLowerCase());
  }

  /** Removes a resource; its resource group stays. Returns the removed resource. */
  delete(id: string): SimResource | undefined {
    const key = id.toLowerCase();
    const found = this.#resources.get(key);
    this.#resources.delete(key);
    return found;
  }

  /** Whether the resource group holds or held a resource (or was declared). */
  hasResourceGroup(subscriptionId: string, resourceGroup: string): boolean {
    return this.#resourceGroups.has(rgKey(subscriptionId, resourceGroup));
  }

  /** Declares an (empty) resource group. */
  addResourceGroup(subscriptionId: string, resourceGroup: string): void {
    this.#resourceGroups.add(rgKey(subscriptionId, resourceGroup));
  }

  /**
   * Regenerates one key of a resource, as its resource provider does.
   * @param resource - the resource
   * @param which - storage `key1`/`key2`; cosmos `primary`/`secondary`/`primaryReadonly`/`secondaryReadonly`;
   *   redis `Primary`/`Secondary`; any casing; `primary`/`secondary` work for every type
   * @throws ArmHttpError 400 when `which` names no key of that type
   */
  regenerate(resource: SimResource, which: string): void {
    this.prepareRegeneration(resource, which)();
  }

  /**
   * Validates a regeneration now and returns the function that performs it (for long-running operations,
   * whose request is checked at once but whose effect comes later).
   * @throws ArmHttpError 400 when `which` names no key of that type
   */
  prepareRegeneration(resource: SimResource, which: string): () => void {
    const w = which.toLowerCase();
    switch (resource.kind) {
      case 'storage': {
        const name = storageKeyNames[w];
        if (!name) throw invalidKeyName('keyName', which);
        return () => {
          resource.keys[name] = this.newStorageKey();
          this.#remember(resource, name, resource.keys[name].value);
        };
      }
      case 'cosmos': {
        const name = cosmosKindToKey[w];
        if (!name) throw invalidKeyName('keyKind', which);
        return () => {
          resource.keys[name] = this.newKey(keyBytes.cosmos);
          this.#remember(resource, name, resource.keys[name]);
        };
      }
      case 'redis': {
        if (w !== 'primary' && w !== 'secondary') throw invalidKeyName('keyType', which);
        const name = w === 'primary' ? 'primaryKey' : 'secondaryKey';
        return () => {
          resource.keys[name] = this.newKey(keyBytes.redis);
          this.#remember(resource, name, resource.keys[name]);
        };
      }
      default:
        throw new ArmHttpError(400, 'BadRequest', `resource type of ${resource.id} has no keys`);
    }
  }
}

/**
 * Current keys of a resource by their ARM names (`key1`, `primaryMasterKey`, `primaryKey`...); none for types
 * without keys.
 * @param r - the resource
 */
export function currentKeys(r: SimResource): Readonly<Record<string, string>> {
  switch (r.kind) {
    case 'storage':
      return { key1: r.keys.key1.value, key2: r.keys.key2.value };
    case 'cosmos':
    case 'redis':
      return { ...r.keys };
    default:
      return {};
  }
}

const storageKeyNames: Record<string, 'key1' | 'key2' | undefined> = {
  key1: 'key1',
  primary: 'key1',
  key2: 'key2',
  secondary: 'key2',
};

const cosmosKindToKey: Record<string, CosmosKeyName | undefined> = {
  primary: 'primaryMasterKey',
  secondary: 'secondaryMasterKey',
  primaryreadonly: 'primaryReadonlyMasterKey',
  secondaryreadonly: 'secondaryReadonlyMasterKey',
};

function rgKey(subscriptionId: string, resourceGroup: string): string {
  return `${subscriptionId}/${resourceGroup}`.toLowerCase();
}

function invalidKeyName(parameter: string, value: string): ArmHttpError {
  return new ArmHttpError(
    400,
    'InvalidRequestPropertyValue',
    `The value '${value}' of the request property '${parameter}' is not valid.`,
  );
}
