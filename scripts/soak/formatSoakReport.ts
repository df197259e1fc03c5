import { formatTable } from '../demo/formatTable.ts';
import type { SoakResult } from './SoakResult.ts';
import { seconds } from './stats.ts';
import { invariants } from './Violations.ts';
import type { Invariant } from './Violations.ts';

/** How many violations per invariant are described in full. */
const describedPerInvariant = 5;

/**
 * The soak's report as plain text: what was injected, the load, time to fresh per rotation, and violations per
 * invariant with the first few described (IDs and fingerprints only).
 * @param r - the result of `runSoak`
 */
export function formatSoakReport(r: SoakResult): string {
  const out: string[] = [];
  const l = r.load;
  out.push(
    `Soak: seed ${r.seed}, ${r.minutes} min, ${r.clusters} clusters, bound ${seconds(r.boundInMs)}; ` +
      `stack started in ${seconds(r.stackStartInMs)}, run took ${seconds(r.durationInMs)}`,
  );
  out.push('', 'Faults injected');
  out.push(
    formatTable(
      ['FAULT', 'COUNT', 'TIME ON', 'TARGETS'],
      r.faults.map((f) => [f.kind, String(f.count), seconds(f.activeInMs), f.targets.join(',') || '-']),
    ),
  );
  out.push('', 'Load');
  out.push(
    formatTable(
      ['WHAT', 'COUNT'],
      [
        ['resources / static KeyBindings', `${l.resources} / ${l.bindings}`],
        [
          'key regenerations (storage / cosmos / redis)',
          `${l.rotations.storage + l.rotations.cosmos + l.rotations.redis} (${l.rotations.storage} / ${l.rotations.cosmos} / ${l.rotations.redis})`,
        ],
        ['Secrets edited / deleted by hand', `${l.handEdits} / ${l.handDeletes}`],
        [
          'KeyBindings created / changed / deleted',
          `${l.churn.created} / ${l.churn.changed} / ${l.churn.deleted}`,
        ],
        [
          'resyncs: timer / HTTP (non-200) ',
          `${l.resyncs.scheduled} / ${l.resyncs.http} (${l.resyncs.httpFailed})`,
        ],
        ['bindings reported error or conflict by HTTP resyncs', String(l.resyncs.bindingErrors)],
        ...Object.entries(l.loadErrors).map(([k, v]) => [`load steps failed: ${k}`, String(v)]),
        ...Object.entries(r.paths).map(([k, v]) => [k, String(v)]),
      ],
    ),
  );
  out.push('', 'Time to fresh (regenerate call -> the new key in every bound Secret of every cluster)');
  out.push(
    formatTable(
      ['ROTATIONS OF', 'COUNT', 'MEDIAN', 'P95', 'MAX', 'NEVER FRESH'],
      r.timeToFresh.map((t) => [
        t.label,
        String(t.rotations),
        seconds(t.median),
        seconds(t.p95),
        seconds(t.max),
        String(t.notFresh),
      ]),
    ),
  );
  out.push(
    '',
    `Invariants (bound of (a): ${seconds(r.boundInMs)} after the last fault affecting the cluster)`,
  );
  const letters = Object.keys(invariants) as Invariant[];
  out.push(
    formatTable(
      ['INVARIANT', 'VIOLATIONS'],
      letters.map((i) => [
        `(${i}) ${invariants[i]}`,
        String(r.violations.filter((v) => v.invariant === i).length),
      ]),
    ),
  );
  for (const i of letters) {
    const vs = r.violations.filter((v) => v.invariant === i);
    if (vs.length === 0) continue;
    out.push('', `First violations of (${i}):`);
    for (const v of vs.slice(0, describedPerInvariant)) out.push(`  +${seconds(v.atInMs)}  ${v.description}`);
    if (vs.length > describedPerInvariant) out.push(`  ... and ${vs.length - describedPerInvariant} more`);
  }
  out.push('', r.ok ? 'PASS: no invariant violated.' : `FAIL: ${r.violations.length} violations.`);
  return out.join('\n');
}
