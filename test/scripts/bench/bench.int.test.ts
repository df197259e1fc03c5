/**
 * Keeps the benchmark harness from rotting: every scenario that needs the stack runs at a tiny scale on the
 * test stack's clusters, and the counts it reports are checked. Never timings: they belong to
 * `npm run bench`. Counts come from the ARM simulator's call log and from Secret watches (namespace-scoped,
 * so other test files on the same clusters cannot disturb them).
 */
import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { BenchReport } from '../../../scripts/bench/BenchReport.ts';
import { criticalPath } from '../../../scripts/bench/criticalPath.ts';
import { runEventScenario } from '../../../scripts/bench/eventScenario.ts';
import { formatEventDetails, formatResyncDetails } from '../../../scripts/bench/formatDetails.ts';
import { machineInfo } from '../../../scripts/bench/machineInfo.ts';
import { parseBenchArgs } from '../../../scripts/bench/parseBenchArgs.ts';
import { runResyncScenario } from '../../../scripts/bench/resyncScenario.ts';
import type { BenchEnvironment } from '../../../scripts/bench/startBenchEnvironment.ts';
import { startBenchEnvironment } from '../../../scripts/bench/startBenchEnvironment.ts';
import { summaryRows } from '../../../scripts/bench/summaryRows.ts';
import { hasTokenUsers, loadTestStack, testCluster } from '../../support/testStack.ts';

const usable = hasTokenUsers(testCluster('cluster-a'));
let env: BenchEnvironment;
const prefix = `bench-${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  if (!usable) return;
  const stack = loadTestStack();
  env = await startBenchEnvironment({
    clusters: Object.values(stack.clusters),
    azuriteConnectionString: stack.azurite?.connectionString ?? '',
    azuritePid: stack.azurite?.pid,
    armLatencyInMs: 5,
    namespacePrefix: prefix,
  });
});

afterAll(async () => {
  await env?.stop();
});

(usable ? describe : describe.skip)('benchmark harness at a tiny scale', () => {
  it('event scenario: one listKeys per event, one write per changed Secret, nothing written by a no-op resync', async () => {
    const e = await runEventScenario(env, {
      namespace: `${prefix}-ev`,
      accountPrefix: 'stbenchev',
      bindings: 4,
      runs: 1,
      resyncAll: false,
      cleanUp: false,
      timeoutInMs: 30_000,
    });
    const run = e.medianRun;
    expect(run.complete).toBe(true);
    expect(run.secretsChanged).toBe(4);
    expect(run.secretChanges).toBe(4);
    expect(run.arm).toMatchObject({ listKeys: 1, reads: 1, throttled: 0, failed: 0 });
    expect(e.noopResync.secretChanges).toBe(0);
    expect(e.noopResync.arm.listKeys).toBe(1);
    expect(e.noopResync.report.totals.unchanged).toBe(4);
    expect(criticalPath(run).map((s) => s.step)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ARM listKeys/),
        expect.stringMatching(/^write the Secrets/),
      ]),
    );
    expect(formatEventDetails(e).length).toBeGreaterThan(5);
  });

  it('resync scenario: every binding synced with one listKeys per resource; a second resync changes nothing', async () => {
    const r = await runResyncScenario(env, {
      resources: 3,
      bindingsPerResource: 2,
      namespaces: 1,
      burst: 2,
      resyncAll: false,
      seedConcurrency: 4,
      steadyState: true,
    });
    expect(r).toMatchObject({ bindings: 6, synced: 6, failed: 0 });
    expect(r.arm.listKeys).toBe(3);
    expect(r.steady?.secretChanges).toBe(0);
    expect(r.steady?.report.totals.unchanged).toBe(6);
    expect(r.phases.map((p) => p.name)).toEqual(
      expect.arrayContaining(['arm.fetchValues', 'k8s.createSecret']),
    );
    expect(formatResyncDetails(r).length).toBeGreaterThan(5);

    const report: BenchReport = {
      startedAt: new Date().toISOString(),
      command: 'npm run bench -- --scale 0.01',
      options: parseBenchArgs(['node', 'main.ts', '--scale', '0.01']),
      machine: await machineInfo(env.clusters[0]),
      clusters: env.clusters.length,
      resync: r,
      failures: [],
    };
    expect(summaryRows(report).map((row) => row.scenario)).toEqual(['3', '3', '3', '2']);
  });
});
