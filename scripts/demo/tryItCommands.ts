/** The line `npm run demo -- --keep` prints after the commands, once everything is up (tests wait for it). */
export const readyLine = 'Ready. Everything keeps running until you press Ctrl-C.';

/** What {@link tryItCommands} needs to know about the running demo. */
export interface TryItInput {
  /** The kubectl to call: a full path, or `kubectl` from PATH. */
  readonly kubectl: string;
  /** Admin kubeconfig file of each cluster; the commands use the first. */
  readonly clusters: ReadonlyArray<{ readonly name: string; readonly kubeconfig: string }>;
  readonly namespace: string;
  /** The ARM simulator: base URL, CA file, and a bearer token it accepts. */
  readonly arm: { readonly url: string; readonly caFile: string; readonly token: string };
  /** The storage account whose key1 the regeneration command renews, and the api-version to call it with. */
  readonly storage: { readonly id: string; readonly apiVersion: string; readonly secret: string };
  /** The Redis cache the new KeyBinding binds. */
  readonly redisId: string;
}

/**
 * The copy-pastable commands `npm run demo -- --keep` prints: list the KeyBindings, create one (a heredoc),
 * regenerate a key through the simulated ARM REST API, and overwrite an owned Secret by hand. Each command
 * block is preceded by a `#` comment saying what to expect, and blocks are separated by empty lines, so the
 * output can be pasted into a shell as it is. Contains a simulator token (local, throw-away) and no key.
 * @param input - paths, URLs and names of the running demo
 * @returns the lines to print
 */
export function tryItCommands(input: TryItInput): string[] {
  const [first] = input.clusters;
  if (!first) return [];
  const k = `${shellWord(input.kubectl)} --kubeconfig ${shellWord(first.kubeconfig)}`;
  const ns = input.namespace;
  const others = input.clusters.slice(1).map((c) => c.name);
  const regenerate = `${input.arm.url}${input.storage.id}/regenerateKey?api-version=${input.storage.apiVersion}`;
  return [
    'Admin kubeconfigs:',
    ...input.clusters.map((c) => `  ${c.name}  ${c.kubeconfig}`),
    '',
    `Try these in another terminal (on ${first.name}${others.length > 0 ? `; swap the kubeconfig for ${others.join(', ')}` : ''}):`,
    '',
    '# Every KeyBinding, with its resource, Ready, reason and last sync',
    `${k} get keybindings -A`,
    '',
    `# A new KeyBinding: the Redis cache's host name and key into Secret ${ns}/orders-cache (Ready within a second)`,
    `${k} apply -f - <<'EOF'`,
    'apiVersion: keysync.dev/v1alpha1',
    'kind: KeyBinding',
    `metadata: { name: orders-cache, namespace: ${ns} }`,
    'spec:',
    `  resourceId: ${input.redisId}`,
    '  secrets:',
    '    hostName: { name: orders-cache, key: REDIS_HOST }',
    '    primaryKey: { name: orders-cache, key: REDIS_KEY }',
    'EOF',
    `${k} get keybinding orders-cache -n ${ns}`,
    '',
    "# Regenerate the storage account's key1 through the (simulated) ARM REST API, as",
    `# 'az storage account keys renew --key primary' would: Event Grid -> onArmEvent rewrites ${ns}/${input.storage.secret}`,
    '# in every cluster, and its data-hash annotation changes',
    `curl -sS -o /dev/null -w '%{http_code}\\n' --cacert ${shellWord(input.arm.caFile)} -H 'Authorization: Bearer ${input.arm.token}' -H 'Content-Type: application/json' -X POST '${regenerate}' -d '{"keyName":"key1"}'`,
    `${k} get secret ${input.storage.secret} -n ${ns} -o jsonpath='{.metadata.annotations.keysync\\.dev/data-hash}{"\\n"}'`,
    '',
    '# Overwrite an owned Secret by hand: the watcher -> onClusterWatchEvent restores it within a second',
    `${k} patch secret ${input.storage.secret} -n ${ns} -p '{"stringData":{"BLOB_ENDPOINT":"edited-by-hand"}}'`,
    `sleep 1; ${k} get secret ${input.storage.secret} -n ${ns} -o jsonpath='{.data.BLOB_ENDPOINT}' | base64 -d; echo`,
  ];
}

/** `s` as one shell word: unchanged when it has no special characters, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
