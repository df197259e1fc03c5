/**
 * `npm run soak` in `npm test`: a short soak (fixed seed, two clusters, 30 s of chaos and calm, a 20 s bound)
 * must find no violation of the five invariants. It starts its own control planes, Azurite and simulator
 * rather than using the test stack: it restarts apiservers and Azurite, black-holes clusters and registers an
 * admission webhook (other test files share the test stack concurrently), and its apiservers need an audit
 * policy at start. About 90 s in all.
 */
import { describe, expect, it } from '@jest/globals';

import { formatSoakReport } from '../../../scripts/soak/formatSoakReport.ts';
import { runSoak } from '../../../scripts/soak/runSoak.ts';
import { loadTestStack } from '../../support/testStack.ts';

const local = Object.values(loadTestStack().clusters).every((c) => c.external === undefined);

(local ? describe : describe.skip)('soak (short run, fixed seed)', () => {
  it('injects every kind of fault and violates no invariant', async () => {
    const progress: string[] = [];
    const result = await runSoak({
      seed: 10,
      minutes: 0.5,
      clusters: 2,
      boundInMs: 20_000,
      progress: (line) => progress.push(line),
    });
    const report = formatSoakReport(result);
    // The report (IDs and fingerprints only) explains a failure better than any matcher.
    if (!result.ok) process.stderr.write(`${report}\n`);
    expect(
      result.load.rotations.storage + result.load.rotations.cosmos + result.load.rotations.redis,
    ).toBeGreaterThan(5);
    expect(result.faults.filter((f) => f.count > 0).length).toBeGreaterThanOrEqual(8);
    expect(result.timeToFresh.find((t) => t.label === 'all')?.count).toBeGreaterThan(0);
    // The witnesses of (c) saw the service's writes: the audit logs and the admission webhook.
    expect(result.paths.serviceSecretWritesAudited).toBeGreaterThan(0);
    expect(result.paths.serviceSecretWritesReviewed).toBeGreaterThan(0);
    expect(result.load.loadErrors).not.toHaveProperty('rotation');
    expect(result.violations).toEqual([]);
    expect(result.ok).toBe(true);
  }, 240_000);
});
