/**
 * The standing key-material test: a full demo-sized run (three resource types, two clusters, registration,
 * two resyncs and a key regeneration) on the real parts, with every log line, printed line and report
 * captured and scanned for every key value the ARM simulator ever issued.
 */
import { describe, expect, it } from '@jest/globals';

import roleActions from '../../../infra/config/roleActions.json' with { type: 'json' };
import type { DemoEnvironment } from '../../../scripts/demo/DemoCluster.ts';
import { runDemo } from '../../../scripts/demo/runDemo.ts';
import { renderKubeconfig } from '../../../testkit/renderKubeconfig.ts';
import { adminKubeConfig, testCluster } from '../../support/testStack.ts';

describe('demo run', () => {
  it('syncs every sample binding, picks up two key rotations from ARM events, and leaks no key value anywhere', async () => {
    const a = testCluster('cluster-a');
    const b = testCluster('cluster-b');
    const env: DemoEnvironment = {
      clusters: [
        {
          name: 'cluster-a',
          admin: adminKubeConfig(a),
          registration: {
            kind: 'aks',
            server: a.server ?? '',
            caPem: Buffer.from(a.caData ?? '', 'base64').toString(),
          },
        },
        {
          name: 'cluster-b',
          admin: adminKubeConfig(b),
          registration: {
            kind: 'kubeconfig',
            kubeconfig: renderKubeconfig({
              clusterName: 'cluster-b',
              server: b.server ?? '',
              caData: b.caData ?? '',
              userName: 'keysync-service',
              token: b.tokens['keysync-service'] ?? '',
            }),
          },
        },
      ],
      azuriteConnectionString:
        (await import('../../support/testStack.ts')).loadTestStack().azurite?.connectionString ?? '',
      serviceToken: a.tokens['keysync-service'] ?? '',
    };
    const printed: string[] = [];
    const result = await runDemo(env, (line) => printed.push(line));

    const [first, second] = result.reports;
    expect(first?.bindings.filter((x) => x.namespace === 'orders').map((x) => x.action)).toEqual([
      'created',
      'created',
      'created',
      'created',
    ]);
    // The rotations were picked up from ARM events alone: the dry run afterwards finds nothing to do.
    expect(second?.dryRun).toBe(true);
    expect(second?.bindings.filter((x) => x.namespace === 'orders').map((x) => x.action)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(printed.filter((l) => l.startsWith('Every bound Secret fresh'))).toHaveLength(2);

    expect(result.keyValues.length).toBeGreaterThanOrEqual(8);
    const everything = [...result.logLines, ...printed, ...result.reports.map((r) => JSON.stringify(r))];
    expect(result.logLines.length).toBeGreaterThan(0);
    for (const value of result.keyValues) {
      const hits = everything.filter((line) => line.includes(value));
      expect(hits).toEqual([]);
    }
    expect(printed.join('\n')).toContain('Key-material check: none of the');

    // Least privilege in Azure: every ARM operation the service called is granted by the roles in
    // infra/config/roleActions.json (the file Bicep loads), and the custom role grants nothing it did not call.
    const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase()).sort();
    const used = lower(result.armOperations);
    const custom = lower(roleActions.keyReader.actions);
    const granted = [...custom, ...lower(roleActions.clusterUser.actions)];
    expect(used.filter((op) => !granted.includes(op))).toEqual([]);
    expect(custom.filter((action) => !used.includes(action))).toEqual([]);
    expect(used).toContain('microsoft.containerservice/managedclusters/listclusterusercredential/action');
  });
});
