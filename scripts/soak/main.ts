/**
 * `npm run soak -- [--seed <n>] [--minutes <m>] [--clusters 2|3] [--bound <seconds>]`: the randomized fault soak
 * of issue 10 on the real local stack (scripts/soak/runSoak.ts, docs/reliability.md). Progress and violations go
 * to stderr as they happen, the report to stdout. Exits 1 on any violation, 2 when the soak could not run.
 */
import { Command, InvalidArgumentError } from 'commander';

import { formatSoakReport } from './formatSoakReport.ts';
import { FRESHNESS_BOUND_MS, runSoak } from './runSoak.ts';

const number = (name: string, check: (n: number) => boolean, what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${name} must be ${what}`);
  return n;
};

const o = new Command()
  .name('npm run soak --')
  .description(
    'Randomized fault soak: real handlers on local control planes, Azurite and the ARM simulator, with faults ' +
      'injected and five invariants checked. Exits 1 on any violation.',
  )
  .option(
    '--seed <n>',
    'seed of every random choice (repeatable runs)',
    number('--seed', Number.isInteger, 'an integer'),
    Date.now() % 1_000_000,
  )
  .option(
    '--minutes <m>',
    'length of the chaos and calm phases (the drain adds up to the bound)',
    number('--minutes', (n) => n > 0 && n <= 30, 'in (0, 30]'),
    2,
  )
  .option(
    '--clusters <n>',
    'control planes to start (2 or 3)',
    number('--clusters', (n) => n === 2 || n === 3, '2 or 3'),
    3,
  )
  .option(
    '--bound <seconds>',
    "invariant (a)'s bound",
    number('--bound', (n) => n > 0, 'positive'),
    FRESHNESS_BOUND_MS / 1000,
  )
  .parse()
  .opts<{ seed: number; minutes: number; clusters: 2 | 3; bound: number }>();

// The whole run is bounded, so a hung part cannot keep control planes alive for ever.
const watchdog = setTimeout(
  () => {
    console.error('soak: still running long after its length; giving up');
    process.exit(2);
  },
  (o.minutes * 60 + o.bound * 3 + 300) * 1000,
);
watchdog.unref();

console.error(
  `soak: seed ${o.seed}, ${o.minutes} min, ${o.clusters} clusters, freshness bound ${o.bound} s (FRESHNESS_BOUND_MS = ${FRESHNESS_BOUND_MS})`,
);
let code: number;
try {
  const result = await runSoak({
    seed: o.seed,
    minutes: o.minutes,
    clusters: o.clusters,
    boundInMs: o.bound * 1000,
    progress: (line) => console.error(`  ${line}`),
  });
  console.log(formatSoakReport(result));
  const bound = o.bound === FRESHNESS_BOUND_MS / 1000 ? '' : ` --bound ${o.bound}`;
  console.log(
    `\nRepeat with: npm run soak -- --seed ${o.seed} --minutes ${o.minutes} --clusters ${o.clusters}${bound}`,
  );
  code = result.ok ? 0 : 1;
} catch (err) {
  console.error(`soak could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  code = 2;
}
process.exit(code);
