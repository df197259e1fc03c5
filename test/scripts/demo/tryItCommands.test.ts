import { describe, expect, it } from '@jest/globals';

import { tryItCommands } from '../../../scripts/demo/tryItCommands.ts';

const input = {
  kubectl: '/home/me/kube bin/kubectl',
  clusters: [
    { name: 'cluster-a', kubeconfig: '/tmp/a/kubeconfig-admin.yaml' },
    { name: 'cluster-b', kubeconfig: '/tmp/b/kubeconfig-admin.yaml' },
  ],
  namespace: 'orders',
  arm: { url: 'https://127.0.0.1:4443', caFile: '/tmp/d/arm-ca.pem', token: 'tok' },
  storage: {
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st',
    apiVersion: '2025-06-01',
    secret: 'orders-storage',
  },
  redisId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/Redis/r',
};

describe('tryItCommands', () => {
  const lines = tryItCommands(input);

  it('lists every admin kubeconfig and uses the first, quoting paths for the shell', () => {
    expect(lines).toContain('  cluster-b  /tmp/b/kubeconfig-admin.yaml');
    expect(lines).toContain(
      "'/home/me/kube bin/kubectl' --kubeconfig /tmp/a/kubeconfig-admin.yaml get keybindings -A",
    );
  });

  it('creates a binding with a complete heredoc', () => {
    const start = lines.findIndex((l) => l.endsWith("apply -f - <<'EOF'"));
    const end = lines.indexOf('EOF', start);
    expect(lines.slice(start + 1, end)).toEqual([
      'apiVersion: keysync.dev/v1alpha1',
      'kind: KeyBinding',
      'metadata: { name: orders-cache, namespace: orders }',
      'spec:',
      `  resourceId: ${input.redisId}`,
      '  secrets:',
      '    hostName: { name: orders-cache, key: REDIS_HOST }',
      '    primaryKey: { name: orders-cache, key: REDIS_KEY }',
    ]);
  });

  it("regenerates key1 through the simulator's REST API and prints only the status code", () => {
    const curl = lines.find((l) => l.startsWith('curl '));
    expect(curl).toBe(
      "curl -sS -o /dev/null -w '%{http_code}\\n' --cacert /tmp/d/arm-ca.pem -H 'Authorization: Bearer tok' " +
        "-H 'Content-Type: application/json' -X POST " +
        `'https://127.0.0.1:4443${input.storage.id}/regenerateKey?api-version=2025-06-01' -d '{"keyName":"key1"}'`,
    );
  });

  it('separates command blocks with an empty line, each starting with a comment', () => {
    const firstComment = lines.findIndex((l) => l.startsWith('#'));
    const blocks = lines.slice(firstComment).join('\n').split('\n\n');
    expect(blocks).toHaveLength(4);
    for (const b of blocks) expect(b.startsWith('# ')).toBe(true);
  });
});
