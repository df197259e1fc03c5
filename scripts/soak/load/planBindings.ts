import type { Random } from '../Random.ts';
import type { BindingSpec, SoakBinding, SoakResource } from '../SoakModel.ts';
import { keyValueNames, plainValueNames } from '../SoakModel.ts';

/** Where a binding can live. */
export interface Slot {
  readonly cluster: string;
  readonly namespace: string;
}

/**
 * A random spec for a binding of `resource`: two key-carrying values (each in its own Secret, so a binding owns
 * two Secrets) and one plain value.
 * @param random - the soak's randomness
 * @param resource - the bound resource
 * @param name - the binding's name (Secret names derive from it)
 */
export function randomSpec(random: Random, resource: SoakResource, name: string): BindingSpec {
  const [first, second] = random.shuffle(Object.keys(keyValueNames[resource.kind]));
  const plain = random.pick(plainValueNames[resource.kind]);
  return {
    resourceId: resource.id,
    secrets: {
      [first ?? 'primaryKey']: { name, key: 'KEY_A' },
      [second ?? 'secondaryKey']: { name: `${name}-2`, key: 'KEY_B' },
      [plain]: { name, key: 'PLAIN' },
    },
  };
}

/**
 * The bindings that live through the whole run: every resource bound in two clusters, every third one also in
 * both namespaces of one cluster (so both fan-outs are exercised), plus a Cosmos DB binding of read-only
 * values only (the read-only keys call).
 * @param o - randomness, cluster and namespace names, the simulated resources, creation time
 */
export function planBindings(o: {
  random: Random;
  clusters: readonly string[];
  namespaces: readonly string[];
  resources: readonly SoakResource[];
  now: number;
}): SoakBinding[] {
  const { random, clusters, namespaces, resources } = o;
  const out: SoakBinding[] = [];
  const add = (slot: Slot, b: { resource: SoakResource; name: string; spec: BindingSpec; valid?: boolean }) =>
    out.push({ ...slot, ...b, specSince: o.now, valid: b.valid ?? true, churn: false });
  resources.forEach((resource, i) => {
    const a: Slot = { cluster: random.pick(clusters), namespace: random.pick(namespaces) };
    const elsewhere = clusters.filter((c) => c !== a.cluster);
    const b: Slot = {
      cluster: elsewhere.length > 0 ? random.pick(elsewhere) : a.cluster,
      namespace: random.pick(namespaces),
    };
    const slots = [a, b];
    // Every third resource also twice in one cluster, in its two namespaces.
    const otherNamespace = namespaces.find((n) => n !== a.namespace);
    if (i % 3 === 0 && otherNamespace) slots.push({ cluster: a.cluster, namespace: otherNamespace });
    for (const [j, slot] of slots.entries()) {
      const name = `${resource.name}-b${j}`;
      add(slot, { resource, name, spec: randomSpec(random, resource, name) });
    }
  });
  const cosmos = resources.find((r) => r.kind === 'cosmos');
  if (cosmos) {
    const name = `${cosmos.name}-readonly`;
    add(
      { cluster: random.pick(clusters), namespace: random.pick(namespaces) },
      {
        resource: cosmos,
        name,
        spec: {
          resourceId: cosmos.id,
          secrets: {
            primaryReadonlyConnectionString: { name, key: 'CONNECTION_STRING' },
            documentEndpoint: { name, key: 'ENDPOINT' },
          },
        },
      },
    );
  }
  return out;
}

/**
 * A user mistake next to good bindings of the same Storage account (it has no dfs endpoint): `dfsEndpoint`, a
 * real value name this account cannot provide (found only once its properties are read). It must fail alone,
 * never the good bindings of the account. (A misspelt value name such as `primaryKeyy` no longer reaches the
 * service: the CRD refuses it at admission.)
 * @param good - the static bindings (the mistakes go next to the first two of the account)
 * @param account - the Storage account without a dfs endpoint
 * @param now - creation time
 */
export function planMistakes(
  good: readonly SoakBinding[],
  account: SoakResource,
  now: number,
): SoakBinding[] {
  const [first, second] = good.filter((b) => b.resource === account);
  const mistake = (slot: Slot, name: string, valueName: string): SoakBinding => ({
    ...slot,
    name,
    resource: account,
    spec: { resourceId: account.id, secrets: { [valueName]: { name, key: 'VALUE' } } },
    specSince: now,
    valid: false,
    churn: false,
  });
  if (!first) return [];
  return [mistake(second ?? first, `${account.name}-no-dfs`, 'dfsEndpoint')];
}
