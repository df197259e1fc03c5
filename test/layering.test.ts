/**
 * The product's import layering, read from the import statements of every file of shared/, functions/ and
 * watcher/. A file may import from its own group and from groups of a lower layer only: never upwards, never
 * sideways into a sibling of the same layer (the ARM event, resync and watch use-cases share what they need
 * through shared/reconcile/EngineDeps.ts, not through each other), and never from test machinery or entry
 * points (testkit/, scripts/, test/). shared/ never imports @azure/functions (the adapters in functions/ do).
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { execFileSync } from 'node:child_process';

import { describe, expect, it } from '@jest/globals';

import { repoRoot } from '../testkit/repoRoot.ts';

/** Groups (a folder, or one file) by layer, lowest first. A longer prefix wins over a shorter one. */
const LAYERS: readonly (readonly string[])[] = [
  [
    'infra/config/',
    'shared/errors.ts',
    'shared/describeIssues.ts',
    'shared/logging.ts',
    'shared/hashSortedEntries.ts',
    'shared/kube/names.ts',
    'shared/retryLostRaces.ts',
  ],
  ['shared/timeouts/'],
  ['shared/arm/', 'shared/tables/'],
  ['shared/keys/', 'shared/bindings/'],
  ['shared/kube/'],
  ['shared/clusters/'],
  ['shared/reconcile/'],
  ['shared/events/', 'shared/resync/', 'shared/watch/'],
  ['shared/config.ts'],
  ['shared/createServices.ts'],
  ['functions/', 'watcher/'],
];

/** Folders the product must never import from. */
const FORBIDDEN = ['testkit/', 'scripts/', 'test/'];

interface Group {
  readonly name: string;
  readonly layer: number;
}

/** The group of a repository path, or undefined when it is in none (e.g. node_modules). */
export function groupOf(path: string): Group | undefined {
  let best: Group | undefined;
  LAYERS.forEach((groups, layer) => {
    for (const g of groups)
      if ((path === g || (g.endsWith('/') && path.startsWith(g))) && g.length > (best?.name.length ?? 0))
        best = { name: g, layer };
  });
  return best;
}

/**
 * Why importing `to` from `from` breaks the layering, or undefined when it does not.
 * @param from - the importing file, relative to the repository root
 * @param to - the imported file, relative to the repository root
 */
export function violation(from: string, to: string): string | undefined {
  const bad = FORBIDDEN.find((f) => to.startsWith(f));
  if (bad) return `${from} imports ${to}: product code never imports ${bad}`;
  const a = groupOf(from);
  const b = groupOf(to);
  if (!a) return undefined;
  if (!b) return `${from} imports ${to}, which is in no layer of test/layering.test.ts`;
  if (a.name === b.name || b.layer < a.layer) return undefined;
  return b.layer === a.layer
    ? `${from} imports ${to}: ${a.name} and ${b.name} are siblings; move what both need below them`
    : `${from} imports ${to}: ${b.name} is above ${a.name}`;
}

/** The module specifiers a TypeScript source imports (static, dynamic, re-exports). */
export function importsOf(source: string): string[] {
  const found = [
    ...source.matchAll(/\bfrom\s+'([^']+)'/g),
    ...source.matchAll(/\bimport\s*\(\s*'([^']+)'\s*\)/g),
    ...source.matchAll(/^\s*import\s+'([^']+)'/gm),
  ];
  return found.map((m) => m[1] ?? '');
}

const productFiles = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: repoRoot,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => /^(shared|functions|watcher)\/.*\.ts$/.test(f));

/** Every (file, imported repository path or bare module) pair of the product. */
const edges = productFiles.flatMap((file) =>
  importsOf(readFileSync(posix.join(repoRoot, file), 'utf8')).map((spec) => ({
    file,
    spec,
    target: spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), spec)) : undefined,
  })),
);

describe('import layering of the product', () => {
  it('reads the imports of every product file', () => {
    expect(productFiles.length).toBeGreaterThan(50);
    expect(edges).toContainEqual({
      file: 'shared/reconcile/syncClusters.ts',
      spec: '../keys/KeyProvider.ts',
      target: 'shared/keys/KeyProvider.ts',
    });
    expect(importsOf("import type {\n  A,\n} from './a.ts';\nconst m = await import('./b.ts');")).toEqual([
      './a.ts',
      './b.ts',
    ]);
  });

  it('refuses upward, sideways and test-machinery imports (the rule itself)', () => {
    expect(violation('shared/keys/registry.ts', 'shared/reconcile/preflightBinding.ts')).toMatch(/above/);
    expect(violation('shared/watch/handleWatchMessage.ts', 'shared/resync/runResync.ts')).toMatch(/siblings/);
    expect(violation('watcher/ClusterWatcher.ts', 'functions/index.ts')).toMatch(/siblings/);
    expect(violation('shared/createServices.ts', 'testkit/memoryQueue.ts')).toMatch(/never imports testkit/);
    expect(violation('functions/resync.ts', 'scripts/demo.ts')).toMatch(/never imports scripts/);
    expect(violation('shared/events/handleArmChanges.ts', 'shared/reconcile/EngineDeps.ts')).toBeUndefined();
    expect(violation('shared/keys/registry.ts', 'shared/keys/providers/storage.ts')).toBeUndefined();
  });

  it('has every import of shared/, functions/ and watcher/ go down the layers', () => {
    const problems = edges.flatMap((e) => {
      const why = e.target ? violation(e.file, e.target) : undefined;
      return why ? [why] : [];
    });
    expect(problems).toEqual([]);
  });

  it('keeps @azure/functions out of shared/', () => {
    const offenders = edges.filter(
      (e) => e.file.startsWith('shared/') && e.spec.startsWith('@azure/functions'),
    );
    expect(offenders).toEqual([]);
  });
});
