/**
 * The human-readable detail of each scenario: what was measured, every run, the critical path of the median
 * event, the phases of a resync, CPU per process group, and the counts behind the summary.
 */
import { formatTable } from '../demo/formatTable.ts';
import { formatCpu } from './CpuMeter.ts';
import { criticalPath, handlerEndMs } from './criticalPath.ts';
import type { EventScenarioResult } from './eventScenario.ts';
import type { ResyncScenarioResult } from './resyncScenario.ts';

const f1 = (n: number) => n.toFixed(1);
const f0 = (n: number) => String(Math.round(n));

/**
 * Details of an event scenario.
 * @param e - its result
 */
export function formatEventDetails(e: EventScenarioResult): string[] {
  return eventLines(e).flatMap((l) => l.split('\n'));
}

/**
 * Details of the resync scenario.
 * @param x - its result
 */
export function formatResyncDetails(x: ResyncScenarioResult): string[] {
  return resyncLines(x).flatMap((l) => l.split('\n'));
}

function eventLines(e: EventScenarioResult): string[] {
  const rt = e.roundTrips;
  const out = [
    `Round trips (medians of ${rt.samples}): ARM GET ${f1(rt.armMs)} ms, Secret PUT ${f1(rt.k8sWriteMs)} ms, ` +
      `Secret GET ${f1(rt.k8sReadMs)} ms; floor = ARM + Secret PUT = ${f1(e.floorMs)} ms`,
    `Writing ${e.bindings} Secrets at once (16 per cluster, bare client): ${f0(e.writeBurstMs)} ms`,
    '',
    formatTable(
      [
        'run',
        'latency ms',
        'last PUT ms',
        'changed',
        'Secret writes',
        'watch changes',
        'status',
        'Events',
        'ARM GET',
        'listKeys',
        'CPU',
      ],
      e.runs.map((r, i) => [
        String(i + 1),
        f0(r.latencyMs),
        f0(r.lastWriteMs),
        `${r.secretsChanged}/${r.secretsExpected}`,
        String(r.secretWrites),
        String(r.secretChanges),
        String(r.statusPatches),
        String(r.eventsCreated),
        String(r.arm.reads),
        String(r.arm.listKeys),
        formatCpu(r.cpu),
      ]),
    ),
    '',
    `Critical path of the median run (${f0(e.medianRun.latencyMs)} ms):`,
    formatTable(
      ['step', 'ends at ms', 'takes ms'],
      criticalPath(e.medianRun).map((s) => [s.step, f0(s.endMs), f0(s.ms)]),
    ),
  ];
  const end = handlerEndMs(e.medianRun);
  if (end !== undefined) out.push(`Then status patches and Events; the handler returned at ${f0(end)} ms.`);
  const n = e.noopResync;
  out.push(
    '',
    `No-op resync of ${n.report.bindings.length} bindings: ${f0(n.wallMs)} ms, Secret writes ${n.secretWrites}, ` +
      `watch changes ${n.secretChanges}, status patches ${n.statusPatches}, Events ${n.eventsCreated}, ` +
      `ARM ${n.arm.reads} GET + ${n.arm.listKeys} listKeys`,
  );
  return out;
}

function resyncLines(x: ResyncScenarioResult): string[] {
  const out = [
    `Seeding ${x.bindings} KeyBindings (untimed for the ratio): ${f1(x.seedMs / 1000)} s`,
    `Resync: ${f1(x.wallMs / 1000)} s; floor (${x.resources} - ${x.burst}) / 10 per s = ${f1(x.floorMs / 1000)} s`,
    `ARM: ${x.arm.reads} GET, ${x.arm.listKeys} listKeys, ${x.arm.throttled} x 429, ${x.arm.failed} other failures`,
    `Bindings: ${x.synced} synced, ${x.failed} failed; Secret writes ${x.secretWrites}, status patches ` +
      `${x.statusPatches}, Events ${x.eventsCreated}`,
    `CPU: ${formatCpu(x.cpu)}`,
    '',
    'Phases (engine calls, seconds after the start):',
    formatTable(
      ['call', 'count', 'first start s', 'last end s', 'mean ms'],
      x.phases.map((p) => [
        p.name,
        String(p.count),
        f1(p.firstStart / 1000),
        f1(p.lastEnd / 1000),
        f1(p.meanMs),
      ]),
    ),
  ];
  const s = x.steady;
  if (s) {
    out.push(
      '',
      `Steady-state resync (nothing changed, buckets refilled): ${f1(s.wallMs / 1000)} s, Secret writes ` +
        `${s.secretWrites}, watch changes ${s.secretChanges}, status patches ${s.statusPatches}, Events ` +
        `${s.eventsCreated}, ARM ${s.arm.reads} GET + ${s.arm.listKeys} listKeys + ${s.arm.throttled} x 429`,
      `CPU: ${formatCpu(s.cpu)}`,
    );
  }
  return out;
}
