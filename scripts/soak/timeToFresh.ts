import type { Rotation } from './checks/FreshnessCheck.ts';
import type { FaultTimeline } from './FaultTimeline.ts';
import type { TimeToFresh } from './SoakResult.ts';
import { distribution } from './stats.ts';

/**
 * Time to fresh per rotation (regenerate call -> the new key in every bound Secret of every cluster), for the
 * chaos phase, the calm phase and all; and, for rotations made while one cluster was black-holed, the time
 * until every other cluster held the new key (an unreachable cluster must not delay the healthy ones).
 * @param rotations - the freshness check's rotations
 * @param timeline - the faults injected
 */
export function timeToFreshRows(rotations: readonly Rotation[], timeline: FaultTimeline): TimeToFresh[] {
  const measured = rotations.filter((r) => r.fields > 0 && !r.gone);
  const row = (label: string, samples: ReadonlyArray<number | undefined>): TimeToFresh => {
    const done = samples.filter((x): x is number => x !== undefined);
    return {
      label,
      rotations: samples.length,
      notFresh: samples.length - done.length,
      ...distribution(done),
    };
  };
  const total = (r: Rotation) => (r.freshAt === undefined ? undefined : r.freshAt - r.startedAt);
  const healthy: Array<number | undefined> = [];
  for (const r of measured) {
    const holes = timeline.intervals.filter(
      (i) => i.kind === 'cluster-blackhole' && i.start <= r.startedAt && r.startedAt <= (i.end ?? Infinity),
    );
    if (holes.length === 0) continue;
    const others = [...r.clusters].filter((c) => !holes.some((h) => h.scope === c));
    if (others.length === 0) continue;
    const times = others.flatMap((c) => {
      const t = r.freshInCluster.get(c);
      return t === undefined ? [] : [t];
    });
    healthy.push(times.length === others.length ? Math.max(...times) - r.startedAt : undefined);
  }
  return [
    row('chaos', measured.filter((r) => r.phase === 'chaos').map(total)),
    row('calm', measured.filter((r) => r.phase === 'calm').map(total)),
    row('all', measured.map(total)),
    row('healthy clusters, another black-holed', healthy),
  ];
}
