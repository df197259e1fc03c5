/**
 * Cold-start benchmark: times `import()` of the built function app bundle against `import()` of a minimal
 * app (@azure/functions plus one `app.http` handler), each in fresh Node processes, and prints the medians
 * and their ratio. For reference it also times the unbundled sources (`functions/index.ts` through
 * node_modules, with type stripping).
 *
 * `node scripts/bench/coldStart.ts [--runs 10] [--bundle dist/functions/index.js]`
 * (Node 22: `node_modules/.bin/node` outside npm scripts). Without `--bundle` it builds the package into a
 * temporary folder first. The file-system cache is warm after the first run, unlike a freshly mounted
 * Flex Consumption package, so the numbers are lower bounds of the import part of a cold start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { Command } from 'commander';

import { repoRoot } from '../../testkit/repoRoot.ts';
import { buildPackage } from '../package.ts';

/** One thing to import, and the import times measured for it. */
export interface ColdStartSubject {
  readonly label: string;
  /** `file:` URL of the module to import. */
  readonly url: string;
}

/** Median, minimum and maximum of a subject's import times, milliseconds. */
export interface ColdStartStats {
  readonly label: string;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * Imports each subject `runs` times, each time in a fresh Node process (this process's executable), rounds
 * interleaved so that drift affects all subjects alike, after one unmeasured warm-up import each.
 * @param subjects - the modules to import
 * @param runs - measured imports per subject
 * @returns the statistics per subject, in the given order
 * @throws Error when an import fails
 */
export function measureColdStarts(subjects: readonly ColdStartSubject[], runs: number): ColdStartStats[] {
  const times = subjects.map(() => [] as number[]);
  for (let round = -1; round < runs; round++) {
    subjects.forEach((subject, i) => {
      const ms = timeImport(subject);
      if (round >= 0) times[i]?.push(ms);
    });
  }
  return subjects.map((subject, i) => {
    const sorted = [...(times[i] ?? [])].sort((a, b) => a - b);
    return {
      label: subject.label,
      medianMs: median(sorted),
      minMs: sorted[0] ?? NaN,
      maxMs: sorted.at(-1) ?? NaN,
    };
  });
}

function timeImport(subject: ColdStartSubject): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(subject.url)}); console.log(performance.now() - t);`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KEYSYNC_|AZURE_)/.test(k)));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const ms = Number(r.stdout.trim().split('\n').at(-1));
  if (r.status !== 0 || !Number.isFinite(ms))
    throw new Error(`import of ${subject.label} failed (exit ${r.status}):\n${r.stderr}`);
  return ms;
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

if (import.meta.main) {
  const opts = new Command()
    .name('node scripts/bench/coldStart.ts')
    .description('Time import() of the function app bundle against a minimal @azure/functions app.')
    .option('--runs <n>', 'measured imports per subject', '10')
    .option('--bundle <file>', 'an existing bundle (default: build the package into a temporary folder)')
    .parse()
    .opts<{ runs: string; bundle?: string }>();
  const runs = Number(opts.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');

  const work = await mkdtemp(join(tmpdir(), 'keysync-coldstart-'));
  try {
    const bundle = opts.bundle ? resolve(opts.bundle) : (await buildPackage({ outDir: work })).bundlePath;
    const minimal = join(work, 'minimalApp.mjs');
    await writeFile(
      minimal,
      [
        `import * as functions from ${JSON.stringify(import.meta.resolve('@azure/functions'))};`,
        'const { app } = functions.default ?? functions;',
        "app.http('ping', { methods: ['GET'], authLevel: 'anonymous', handler: async () => ({ body: 'pong' }) });",
        '',
      ].join('\n'),
    );
    const subjects: ColdStartSubject[] = [
      { label: 'bundle (dist/functions/index.js)', url: pathToFileURL(bundle).href },
      { label: 'minimal app (@azure/functions + 1 app.http)', url: pathToFileURL(minimal).href },
      {
        label: 'unbundled sources (functions/index.ts)',
        url: pathToFileURL(join(repoRoot, 'functions/index.ts')).href,
      },
    ];
    console.log(`Node ${process.version}, ${runs} fresh processes per subject, import() time:`);
    const stats = measureColdStarts(subjects, runs);
    const width = Math.max(...stats.map((s) => s.label.length));
    for (const s of stats)
      console.log(
        `  ${s.label.padEnd(width)}  median ${s.medianMs.toFixed(1).padStart(7)} ms  (min ${s.minMs.toFixed(1)}, max ${s.maxMs.toFixed(1)})`,
      );
    const [bundled, minimalApp, unbundled] = stats;
    if (bundled && minimalApp && unbundled) {
      console.log(`Ratio bundle / minimal app: ${(bundled.medianMs / minimalApp.medianMs).toFixed(1)}x`);
      console.log(`Ratio unbundled / bundle:   ${(unbundled.medianMs / bundled.medianMs).toFixed(1)}x`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
