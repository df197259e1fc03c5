/**
 * The HTTP adapters through @azure/functions test mode (no Functions host can run here): `POST /api/resync`
 * and the cluster admin endpoint, wired to the engine on real parts.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';

import { HttpRequest, InvocationContext } from '../../functions/azureFunctions.ts';
import { createClustersHandler } from '../../functions/clusters.ts';
import { createResyncHandler } from '../../functions/resync.ts';
import { runResync } from '../../shared/resync/runResync.ts';
import type { EngineHarness } from '../support/engineHarness.ts';
import { startEngineHarness, storageId, subscriptionId } from '../support/engineHarness.ts';

let h: EngineHarness;
let ns: string;
const logs: string[] = [];
const context = () =>
  new InvocationContext({
    functionName: 'resync',
    logHandler: (_level, ...args) => logs.push(args.join(' ')),
  });
const post = (body: unknown, query: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://localhost/api/resync',
    body: { string: typeof body === 'string' ? body : JSON.stringify(body) },
    query,
  });

beforeAll(async () => {
  h = await startEngineHarness();
  h.sim.addStorageAccount({ subscriptionId, resourceGroup: 'rg-http', name: 'sthttp' });
  ns = await h.namespace('http');
  await h.registerClusters([
    { namespaces: 'http-*', resourceIdPrefix: `/subscriptions/${subscriptionId}/resourceGroups/rg-http` },
  ]);
  await h.createBinding('cluster-b', ns, 'web', {
    resourceId: storageId('rg-http', 'sthttp'),
    secrets: { primaryConnectionString: { name: 'web-storage', key: 'CONNECTION_STRING' } },
  });
});

afterAll(async () => {
  await h?.stop();
});

describe('POST /api/resync', () => {
  const handler = () => createResyncHandler(() => Promise.resolve(h.services));

  it('answers a JSON report per binding; dryRun=true in the query writes nothing', async () => {
    const res = await handler()(post({ namespace: ns }, { dryRun: 'true' }), context());
    expect(res.status).toBe(200);
    const body = res.jsonBody as { dryRun: boolean; bindings: Array<{ binding: string; action: string }> };
    expect(body.dryRun).toBe(true);
    expect(body.bindings).toEqual([expect.objectContaining({ binding: 'web', action: 'created' })]);
    expect(await h.readSecret('cluster-b', ns, 'web-storage')).toBeUndefined();
  });

  it('syncs for real and never returns key material', async () => {
    const res = await handler()(post({ namespace: ns, cluster: 'cluster-b' }), context());
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.jsonBody);
    for (const v of h.sim.keyValues()) expect(text).not.toContain(v);
    expect(await h.readSecret('cluster-b', ns, 'web-storage')).toBeDefined();
  });

  it('accepts the documented call with the function key in the query string (?code=...)', async () => {
    const res = await handler()(
      post({ namespace: ns }, { code: 'the-function-key', dryRun: 'true' }),
      context(),
    );
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.jsonBody)).not.toContain('the-function-key');
  });

  it.each([
    ['a body that is not JSON', '{nope', 400, 'InvalidInput'],
    ['an unknown field', { namespaces: 'x' }, 400, 'InvalidInput'],
    ['a bad dryRun value', { dryRun: 'yes' }, 400, 'InvalidInput'],
    ['an unregistered cluster', { cluster: 'nowhere' }, 404, 'ClusterNotRegistered'],
  ])('rejects %s with a 4xx and a clear error', async (_label, body, status, code) => {
    const res = await handler()(post(body), context());
    expect(res.status).toBe(status);
    expect(res.jsonBody).toMatchObject({ error: { code } });
  });
});

describe('/api/clusters (admin)', () => {
  const handler = () => createClustersHandler(() => Promise.resolve(h.services));

  it('lists registrations without kubeconfigs', async () => {
    const res = await handler()(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/clusters' }),
      context(),
    );
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.jsonBody);
    expect(text).toContain('cluster-b');
    expect(text).not.toContain('token');
  });

  it('validates a registration and names every problem', async () => {
    const res = await handler()(
      new HttpRequest({
        method: 'PUT',
        url: 'http://localhost/api/clusters',
        body: { string: JSON.stringify({ name: 'Bad Name', allow: [{ namespaces: 'x' }] }) },
      }),
      context(),
    );
    expect(res.status).toBe(400);
    const problems = (res.jsonBody as { error: { problems: string[] } }).error.problems.join('\n');
    expect(problems).toContain('name');
    expect(problems).toContain('resourceIdPrefix');
    expect(problems).toContain('aksResourceId');
  });

  const put = (services: typeof h.services, body: unknown) =>
    createClustersHandler(() => Promise.resolve(services))(
      new HttpRequest({
        method: 'PUT',
        url: 'http://localhost/api/clusters',
        body: { string: JSON.stringify(body) },
      }),
      context(),
    );

  it('refuses a kubeconfig that would run a command on the host, naming the field; the command never runs', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'keysync-exec-')), 'ran');
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'c', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority': '/etc/ca.pem' } },
      ],
      users: [
        {
          name: 'u',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: 'sh',
              args: ['-c', `touch ${marker}; echo {}`],
            },
          },
        },
      ],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    });
    const res = await put(h.services, { name: 'evil', kubeconfig, allow: [] });
    expect(res.status).toBe(400);
    const problems = (res.jsonBody as { error: { problems: string[] } }).error.problems.join('\n');
    expect(problems).toContain('users[0].user.exec');
    expect(problems).toContain('clusters[0].cluster.certificate-authority');
    expect(await h.services.clusters.get('evil')).toBeUndefined();
    // Stored anyway (e.g. written before this check): the connector refuses it too, and runs nothing.
    await h.services.clusters.upsert({ name: 'evil', kubeconfig, allow: [] });
    try {
      const r = await runResync(h.services.engineDeps(h.logger), { cluster: 'evil' });
      expect(r.clusterFailures).toMatchObject([{ cluster: 'evil', retryable: false }]);
    } finally {
      await h.services.clusters.remove('evil');
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses kubeconfig registrations unless KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS is true', async () => {
    const off = { ...h.services, config: { ...h.services.config, allowKubeconfigClusters: false } };
    const kubeconfig = stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    });
    const res = await put(off, { name: 'dev', kubeconfig, allow: [] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.jsonBody)).toContain('KEYSYNC_ALLOW_KUBECONFIG_CLUSTERS');
    expect((await put(h.services, { name: 'dev', kubeconfig, allow: [] })).status).toBe(200);
    await h.services.clusters.remove('dev');
  });

  it('registers and removes an AKS cluster', async () => {
    const body = {
      name: 'aks-prod',
      aksResourceId: `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod`,
      allow: [{ namespaces: 'team-*', resourceIdPrefix: `/subscriptions/${subscriptionId}` }],
    };
    const put = await handler()(
      new HttpRequest({
        method: 'PUT',
        url: 'http://localhost/api/clusters',
        body: { string: JSON.stringify(body) },
      }),
      context(),
    );
    expect(put).toMatchObject({ status: 200, jsonBody: { name: 'aks-prod', kind: 'aks' } });
    expect(await h.services.clusters.get('aks-prod')).toMatchObject({ aksResourceId: body.aksResourceId });
    const del = await handler()(
      new HttpRequest({
        method: 'DELETE',
        url: 'http://localhost/api/clusters/aks-prod',
        params: { name: 'aks-prod' },
      }),
      context(),
    );
    expect(del.status).toBe(204);
    const again = await handler()(
      new HttpRequest({
        method: 'DELETE',
        url: 'http://localhost/api/clusters/aks-prod',
        params: { name: 'aks-prod' },
      }),
      context(),
    );
    expect(again.status).toBe(404);
  });
});
