/** The cluster manifests as a platform team applies them: `kubectl apply -k infra/k8s`, server-side dry run. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';

import { repoRoot } from '../../../testkit/repoRoot.ts';
import { adminKubeConfig, hasTokenUsers, loadTestStack } from '../../support/testStack.ts';

const run = promisify(execFile);

describe('infra/k8s', () => {
  const stack = loadTestStack();
  const kubectl = stack.binariesDir ? join(stack.binariesDir, 'kubectl') : 'kubectl';
  const itLocal = hasTokenUsers('cluster-a') ? it : it.skip;

  itLocal(
    'applies with kubectl apply -k, validated by the real apiserver (server-side dry run)',
    async () => {
      const kc = adminKubeConfig('cluster-a');
      const file = join(mkdtempSync(join(tmpdir(), 'kustomize-')), 'kubeconfig');
      writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
      // A dry run creates nothing, so objects inside the Namespace the manifests declare need it to exist.
      await kc
        .makeApiClient(CoreV1Api)
        .createNamespace({ body: { metadata: { name: 'aks-keysync' } } })
        .catch((err: { code?: number }) => {
          if (err.code !== 409) throw err;
        });
      const { stdout } = await run(kubectl, [
        '--kubeconfig',
        file,
        'apply',
        '-k',
        join(repoRoot, 'infra/k8s'),
        '--dry-run=server',
        '--server-side',
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(3);
      expect(stdout).toContain('customresourcedefinition.apiextensions.k8s.io/keybindings.keysync.dev');
      expect(stdout).toContain('clusterrole.rbac.authorization.k8s.io/aks-keysync-service');
      for (const line of lines) expect(line).toMatch(/serverside-applied \(server dry run\)$/);
    },
  );
});
