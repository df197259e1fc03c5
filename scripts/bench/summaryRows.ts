/**
 * The final summary: per scenario, the ratio (or count) with its numerator and denominator side by side and
 * the target. Verdicts report; nothing fails on them.
 */
import type { BenchReport, SummaryRow } from './BenchReport.ts';
import { medianLatency } from './eventScenario.ts';
import type { EventScenarioResult } from './eventScenario.ts';
import type { ResyncScenarioResult } from './resyncScenario.ts';

const ms = (n: number) =>
  n >= 1000 ? `${(n / 1000).toFixed(1)} s` : n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`;
const ratio = (n: number) => `${n.toFixed(2)}x`;
const verdict = (ok: boolean) => (ok ? 'met' : 'not met');

/**
 * The summary rows of a report.
 * @param r - the report
 */
export function summaryRows(r: BenchReport): SummaryRow[] {
  return [
    ...(r.event ? eventRows(r.event, '1+2') : []),
    ...(r.resync ? resyncRows(r.resync) : []),
    ...(r.populatedEvent ? eventRows(r.populatedEvent, '1 (populated)').slice(0, 2) : []),
    ...coldStartRows(r),
  ];
}

function eventRows(e: EventScenarioResult, scenario: string): SummaryRow[] {
  const latency = medianLatency(e.runs);
  const run = e.medianRun;
  const writesPerSecret = run.secretWrites / Math.max(1, run.secretsChanged);
  return [
    {
      scenario,
      measure: `regenerate -> last of ${e.bindings} Secrets (${e.clusters} clusters), median of ${e.runs.length}`,
      numerator: ms(latency),
      denominator: `floor ${ms(e.floorMs)} (ARM ${ms(e.roundTrips.armMs)} + K8s write ${ms(e.roundTrips.k8sWriteMs)})`,
      value: ratio(latency / e.floorMs),
      target: '<= 1.2x',
      verdict: verdict(latency / e.floorMs <= 1.2),
    },
    {
      scenario,
      measure: `same, against ARM round trip + writing ${e.bindings} Secrets at once on this machine`,
      numerator: ms(latency),
      denominator: `${ms(e.roundTrips.armMs + e.writeBurstMs)} (ARM ${ms(e.roundTrips.armMs)} + burst ${ms(e.writeBurstMs)})`,
      value: ratio(latency / (e.roundTrips.armMs + e.writeBurstMs)),
      target: 'info',
      verdict: 'n/a',
    },
    {
      scenario: '2',
      measure: 'ARM key fetches (listKeys) per affected resource, per event',
      numerator: `${run.arm.listKeys} listKeys (+ ${run.arm.reads} GET)`,
      denominator: '1 resource',
      value: String(run.arm.listKeys),
      target: '1',
      verdict: verdict(run.arm.listKeys === 1),
    },
    {
      scenario: '2',
      measure: 'Kubernetes writes per changed Secret (apiserver request count)',
      numerator: `${run.secretWrites} Secret writes`,
      denominator: `${run.secretsChanged} Secrets changed`,
      value: writesPerSecret.toFixed(2),
      target: '1',
      verdict: verdict(writesPerSecret === 1),
    },
    {
      scenario: '2',
      measure: `Secret writes on a no-op resync (${e.noopResync.report.bindings.length} bindings)`,
      numerator: `${e.noopResync.secretWrites} writes, ${e.noopResync.secretChanges} changes`,
      denominator: `(+ ${e.noopResync.statusPatches} status patches)`,
      value: String(e.noopResync.secretWrites),
      target: '0',
      verdict: verdict(e.noopResync.secretWrites === 0),
    },
  ];
}

function resyncRows(x: ResyncScenarioResult): SummaryRow[] {
  const size = `${x.resources} resources / ${x.bindings} bindings / ${x.clusters} clusters`;
  const rows: SummaryRow[] = [
    {
      scenario: '3',
      measure: `full resync, first (creates the Secrets): ${size}`,
      numerator: ms(x.wallMs),
      denominator: `floor ${ms(x.floorMs)} ((${x.resources} - ${x.burst}) / 10/s)`,
      value: ratio(x.wallMs / x.floorMs),
      target: '<= 1.1x',
      verdict: verdict(x.wallMs / x.floorMs <= 1.1),
    },
    {
      scenario: '3',
      measure: '429s not waited out (all bindings must end synced)',
      numerator: `${x.arm.throttled} x 429 seen`,
      denominator: `${x.synced}/${x.bindings} synced`,
      value: String(x.synced === x.bindings ? 0 : x.bindings - x.synced),
      target: '0',
      verdict: verdict(x.synced === x.bindings && x.failed === 0),
    },
  ];
  const s = x.steady;
  if (s) {
    rows.push(
      {
        scenario: '3',
        measure: 'full resync, steady state (nothing changed, buckets refilled)',
        numerator: ms(s.wallMs),
        denominator: `floor ${ms(x.floorMs)}`,
        value: ratio(s.wallMs / x.floorMs),
        target: '<= 1.1x',
        verdict: verdict(s.wallMs / x.floorMs <= 1.1),
      },
      {
        scenario: '2',
        measure: `Secret writes on a no-op resync (${s.report.bindings.length} bindings)`,
        numerator: `${s.secretWrites} writes, ${s.secretChanges} changes, ${s.arm.throttled} x 429`,
        denominator: `(+ ${s.statusPatches} status patches)`,
        value: String(s.secretWrites),
        target: '0',
        verdict: verdict(s.secretWrites === 0),
      },
    );
  }
  return rows;
}

function coldStartRows(r: BenchReport): SummaryRow[] {
  const c = r.coldStart;
  if (!c) return [];
  if (!c.ok)
    return [
      {
        scenario: '4',
        measure: 'cold start: import() of the bundle / a minimal @azure/functions app',
        numerator: 'n/a',
        denominator: 'n/a',
        value: 'n/a',
        target: '<= 1.5x',
        verdict: `n/a (${c.reason})`,
      },
    ];
  return [
    {
      scenario: '4',
      measure: `cold start: import() of the bundle / a minimal @azure/functions app (median of ${r.options.coldStartRuns})`,
      numerator: ms(c.bundleMs),
      denominator: ms(c.minimalMs),
      value: ratio(c.bundleMs / c.minimalMs),
      target: '<= 1.5x',
      verdict: verdict(c.bundleMs / c.minimalMs <= 1.5),
    },
  ];
}
