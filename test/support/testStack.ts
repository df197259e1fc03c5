/**
 * Access to the integration test stack started by `globalSetup.ts`: the description published through
 * `KEYSYNC_TEST_STACK`, and `@kubernetes/client-node` KubeConfigs for its clusters and users.
 *
 * Limitation with `KEYSYNC_TEST_KUBECONFIG` (an external cluster such as kind or AKS): only `cluster-a`
 * exists and only its admin (the kubeconfig's current context) is known; there are no token users, so
 * tests that need `keysync-service`, `keysync-watcher` or `nobody` must check {@link hasTokenUsers} and
 * skip, and tests that need `cluster-b` must check {@link hasCluster}.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import type { LocalStack, ClusterDescription, LocalStackDescription } from '../../testkit/startLocalStack.ts';

/** Environment variable holding the path of the stack description JSON. */
export const TEST_STACK_ENV = 'KEYSYNC_TEST_STACK';
/** Environment variable naming a kubeconfig whose current context replaces the local control planes. */
export const EXTERNAL_KUBECONFIG_ENV = 'KEYSYNC_TEST_KUBECONFIG';
/** Names of the local test clusters. */
export const TEST_CLUSTERS = ['cluster-a', 'cluster-b'] as const;
/** Name of one of the local test clusters. */
export type TestClusterName = (typeof TEST_CLUSTERS)[number];
/** Where `globalSetup` leaves the running stack for `globalTeardown` (same jest process). */
export const TEST_STACK_HANDLE = Symbol.for('aks-keysync.testStack.handle');

/** What `globalSetup` hands to `globalTeardown`. */
export interface TestStackHandle {
  /** The running stack. */
  readonly stack: LocalStack;
  /** Directory of the description file. */
  readonly dir: string;
  /** Cancels the removal of `dir` at exit (after removing it). */
  readonly unregisterDir: () => void;
}

/** The description of the running test stack. Holds tokens: never log it. */
export type TestStack = LocalStackDescription;

let cached: { path: string; stack: TestStack } | undefined;

/**
 * Reads the stack description named by `KEYSYNC_TEST_STACK`.
 *
 * @throws when the variable is unset (the test is not in the `integration` project, or was started without
 *   jest's global set-up) or the file cannot be read.
 */
export function loadTestStack(): TestStack {
  const path = process.env[TEST_STACK_ENV];
  if (!path) {
    throw new Error(
      `${TEST_STACK_ENV} is not set: run integration tests through jest (npm test -- <file>.int.test.ts) so that test/support/globalSetup.ts starts the stack`,
    );
  }
  if (cached?.path !== path) cached = { path, stack: JSON.parse(readFileSync(path, 'utf8')) as TestStack };
  return cached.stack;
}

/** Whether the stack has a cluster of that name (`cluster-b` is absent with an external cluster). */
export function hasCluster(name: string): boolean {
  return name in loadTestStack().clusters;
}

/**
 * The description of one test cluster.
 *
 * @throws for an unknown name (the message lists the known ones).
 */
export function testCluster(name: string): ClusterDescription {
  const clusters = loadTestStack().clusters;
  const cluster = clusters[name];
  if (!cluster)
    throw new Error(`test stack has no cluster ${name} (has: ${Object.keys(clusters).join(', ')})`);
  return cluster;
}

/** Whether the cluster has the token users `keysync-service`, `keysync-watcher` and `nobody`. */
export function hasTokenUsers(cluster: string | ClusterDescription): boolean {
  const c = typeof cluster === 'string' ? testCluster(cluster) : cluster;
  return c.external === undefined && Object.keys(c.tokens).length > 1;
}

/** A KubeConfig for the cluster's `system:masters` admin (for an external cluster: its current context). */
export function adminKubeConfig(cluster: string | ClusterDescription): KubeConfig {
  const c = typeof cluster === 'string' ? testCluster(cluster) : cluster;
  if (c.external) {
    const kc = new KubeConfig();
    kc.loadFromFile(c.external.kubeconfigPath);
    if (c.external.context) kc.setCurrentContext(c.external.context);
    return kc;
  }
  return userKubeConfig(c, c.adminUser ?? 'admin');
}

/**
 * A KubeConfig for a token user of a local cluster (`admin`, `keysync-service`, `keysync-watcher`,
 * `nobody`), built with `loadFromOptions`: server, CA data (TLS verified) and the user's bearer token.
 *
 * @throws for an external cluster or an unknown user.
 */
export function userKubeConfig(cluster: string | ClusterDescription, user: string): KubeConfig {
  const c = typeof cluster === 'string' ? testCluster(cluster) : cluster;
  const token = c.tokens[user];
  if (!c.server || !c.caData || token === undefined) {
    throw new Error(
      `test cluster ${c.name} has no token user ${user}${c.external ? ' (external cluster)' : ''}`,
    );
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: c.name, server: c.server, caData: c.caData, skipTLSVerify: false }],
    users: [{ name: user, token }],
    contexts: [{ name: `${user}@${c.name}`, cluster: c.name, user }],
    currentContext: `${user}@${c.name}`,
  });
  return kc;
}
