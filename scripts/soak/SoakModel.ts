/**
 * What the soak set up and expects: its resources, the KeyBindings it created (and their specs over time), and
 * from those the Secret fields that must hold each resource's current key (the expectations of invariant a).
 */

/** The key-holding resource types. */
export type ResourceKind = 'storage' | 'cosmos' | 'redis';

/** One simulated resource. */
export interface SoakResource {
  readonly id: string;
  readonly kind: ResourceKind;
  readonly name: string;
  /**
   * Rotated only while faults are on, never in the calm phase: no later rotation or resync then rewrites its
   * Secrets, so a rotation the engine dropped during a fault stays lost unless the engine retries it itself.
   */
  readonly quiet: boolean;
}

/** A KeyBinding's spec. */
export interface BindingSpec {
  readonly resourceId: string;
  readonly secrets: Readonly<Record<string, { readonly name: string; readonly key: string }>>;
}

/** A KeyBinding the soak created. */
export interface SoakBinding {
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly resource: SoakResource;
  spec: BindingSpec;
  /** When the current spec was applied. */
  specSince: number;
  /** False for the soak's deliberate mistakes (see `planMistakes`): they must fail alone; nothing is expected. */
  readonly valid: boolean;
  /** Created by the churn (may be changed and deleted); the others live through the whole run. */
  readonly churn: boolean;
}

/** A Secret data key that must hold one key of one resource (a raw key or a connection string with it). */
export interface FieldExpectation {
  readonly id: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly secretName: string;
  readonly dataKey: string;
  readonly resourceId: string;
  /** The simulator's key name (`key1`, `primaryMasterKey`, `primaryKey`...). */
  readonly keyName: string;
  /** When the soak started expecting it (binding created or changed). */
  readonly since: number;
}

/**
 * Value names that carry a key, and which simulator key each carries (the providers' catalogues in
 * shared/keys/providers/*.ts, restricted to what the soak binds).
 */
export const keyValueNames: Readonly<Record<ResourceKind, Readonly<Record<string, string>>>> = {
  storage: {
    primaryKey: 'key1',
    secondaryKey: 'key2',
    primaryConnectionString: 'key1',
    secondaryConnectionString: 'key2',
  },
  cosmos: {
    primaryMasterKey: 'primaryMasterKey',
    secondaryMasterKey: 'secondaryMasterKey',
    primaryReadonlyMasterKey: 'primaryReadonlyMasterKey',
    secondaryReadonlyMasterKey: 'secondaryReadonlyMasterKey',
    primaryConnectionString: 'primaryMasterKey',
    primaryReadonlyConnectionString: 'primaryReadonlyMasterKey',
  },
  redis: {
    primaryKey: 'primaryKey',
    secondaryKey: 'secondaryKey',
    primaryConnectionString: 'primaryKey',
    secondaryConnectionString: 'secondaryKey',
  },
};

/** Value names without key material the soak also binds (they never change; not checked). */
export const plainValueNames: Readonly<Record<ResourceKind, readonly string[]>> = {
  storage: ['blobEndpoint', 'accountName'],
  cosmos: ['documentEndpoint'],
  redis: ['hostName', 'sslPort'],
};

/** The regenerations each type supports: the `which` of `regenerateKey`, and the key it replaces. */
export const regenerations: Readonly<
  Record<ResourceKind, ReadonlyArray<{ which: string; keyName: string }>>
> = {
  storage: [
    { which: 'key1', keyName: 'key1' },
    { which: 'key2', keyName: 'key2' },
  ],
  cosmos: [
    { which: 'primary', keyName: 'primaryMasterKey' },
    { which: 'secondary', keyName: 'secondaryMasterKey' },
    { which: 'primaryReadonly', keyName: 'primaryReadonlyMasterKey' },
    { which: 'secondaryReadonly', keyName: 'secondaryReadonlyMasterKey' },
  ],
  redis: [
    { which: 'Primary', keyName: 'primaryKey' },
    { which: 'Secondary', keyName: 'secondaryKey' },
  ],
};

/** The soak's bindings, live and deleted, and the expectations they imply. */
export class SoakModel {
  readonly resources: readonly SoakResource[];
  readonly #bindings = new Map<string, SoakBinding>();
  readonly #fieldSince = new Map<string, number>();

  constructor(resources: readonly SoakResource[]) {
    this.resources = resources;
  }

  /** Live bindings. */
  bindings(): SoakBinding[] {
    return [...this.#bindings.values()];
  }

  /**
   * Records a binding as created (or its spec as changed).
   * @param binding - the binding with its current spec
   */
  put(binding: SoakBinding): void {
    this.#bindings.set(bindingKey(binding), binding);
  }

  /** Records a binding as deleted: nothing is expected of its Secrets any more. */
  remove(binding: Pick<SoakBinding, 'cluster' | 'namespace' | 'name'>): void {
    this.#bindings.delete(bindingKey(binding));
  }

  /** Every Secret field that must hold a current key now. */
  expectations(): FieldExpectation[] {
    const out: FieldExpectation[] = [];
    for (const b of this.#bindings.values()) {
      if (!b.valid) continue;
      for (const [valueName, dest] of Object.entries(b.spec.secrets)) {
        const keyName = keyValueNames[b.resource.kind][valueName];
        if (!keyName) continue;
        const id = `${b.cluster}/${b.namespace}/${dest.name}/${dest.key}|${b.resource.id}|${keyName}`;
        let since = this.#fieldSince.get(id);
        if (since === undefined || since < b.specSince) {
          // A field that left and came back (spec changed twice) is expected anew from the latest change.
          since = Math.max(since ?? 0, b.specSince);
          this.#fieldSince.set(id, since);
        }
        out.push({
          id,
          cluster: b.cluster,
          namespace: b.namespace,
          secretName: dest.name,
          dataKey: dest.key,
          resourceId: b.resource.id,
          keyName,
          since,
        });
      }
    }
    return out;
  }
}

function bindingKey(b: Pick<SoakBinding, 'cluster' | 'namespace' | 'name'>): string {
  return `${b.cluster}/${b.namespace}/${b.name}`;
}
