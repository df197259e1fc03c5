/**
 * Splits one regeneration's timeline into the consecutive steps between the regenerate call and the last
 * Secret change: each step ends when the last of its calls ended, so the steps add up to the measured
 * latency and show what each part of the critical path costs.
 */
import type { EventRun } from './measureEventRun.ts';
import type { Span } from './Timeline.ts';

/** One step of the critical path. */
export interface PathStep {
  readonly step: string;
  /** When the step ended, ms after the regenerate call. */
  readonly endMs: number;
  /** Its share of the latency, ms. */
  readonly ms: number;
}

const lastEnd = (spans: readonly Span[], test: (s: Span) => boolean): number | undefined => {
  const ends = spans.filter(test).map((s) => s.end);
  return ends.length ? Math.max(...ends) : undefined;
};
const firstStart = (spans: readonly Span[], test: (s: Span) => boolean): number | undefined => {
  const starts = spans.filter(test).map((s) => s.start);
  return starts.length ? Math.min(...starts) : undefined;
};
const named = (name: string) => (s: Span) => s.name === name;
const isArm = (operation: string) => (s: Span) => s.name.startsWith('arm ') && s.name.includes(operation);

/**
 * The critical path of one run.
 * @param run - a measured regeneration
 * @returns the steps in order; a step whose calls are missing from the timeline is left out
 */
export function criticalPath(run: EventRun): PathStep[] {
  const s = run.spans;
  const handler = (x: Span) => x.name === 'handler' && x.detail === 'regenerateKey';
  const bounds: Array<[string, number | undefined]> = [
    ['Event Grid delivery to the handler (simulated, local HTTP)', firstStart(s, handler)],
    ['classify the event, build dependencies', firstStart(s, named('index.lookup'))],
    ['binding index lookup (Azurite, 1 query)', lastEnd(s, named('index.lookup'))],
    [
      'load bindings per cluster, in parallel (registry get, connect, list KeyBindings)',
      lastEnd(s, named('k8s.listKeyBindings')),
    ],
    ['ARM GET of the resource (endpoints, key-auth flag)', lastEnd(s, isArm('GET'))],
    ['ARM listKeys (after a client-side write token)', lastEnd(s, isArm('listKeys'))],
    [
      'key ledger: order the key state (Azurite, stale-read check)',
      lastEnd(s, (x) => x.name.startsWith('ledger.')),
    ],
    ['read the target Secrets (16 per cluster at a time)', lastEnd(s, named('k8s.getSecret'))],
    [
      'write the Secrets (16 per cluster at a time)',
      lastEnd(s, (x) => x.name === 'k8s.replaceSecret' || x.name === 'k8s.createSecret'),
    ],
    ['watch sees the last change', run.latencyMs],
  ];
  const steps: PathStep[] = [];
  let previous = 0;
  for (const [step, end] of bounds) {
    if (end === undefined || !Number.isFinite(end)) continue;
    steps.push({ step, endMs: end, ms: Math.max(0, end - previous) });
    previous = Math.max(previous, end);
  }
  return steps;
}

/**
 * What follows the last Secret write on the handler's path (status patches, Events), ms after the regenerate.
 * @param run - a measured regeneration
 */
export function handlerEndMs(run: EventRun): number | undefined {
  return lastEnd(run.spans, (x) => x.name === 'handler' && x.detail === 'regenerateKey');
}
