/** The README's value-name table is for people; it must say what the key providers' catalogues say. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { catalogueOnlyRegistry } from '../../scripts/crd/catalogueOnlyRegistry.ts';
import { repoRoot } from '../../testkit/repoRoot.ts';

const registry = catalogueOnlyRegistry();

/** Rows of the README's table `| resource type | value names |`: type -> value names. */
function readmeTable(): Map<string, string[]> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const rows = new Map<string, string[]>();
  for (const [, type, names] of readme.matchAll(/^\| `(Microsoft\.[A-Za-z]+\/[A-Za-z]+)` \| (.+) \|$/gm)) {
    rows.set(
      (type ?? '').toLowerCase(),
      [...(names ?? '').matchAll(/`(\w+)`/g)].map((m) => m[1] ?? ''),
    );
  }
  return rows;
}

describe('README value names', () => {
  it('list every supported resource type and exactly its value names', () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual([...registry.resourceTypes]);
    for (const type of registry.resourceTypes)
      expect({ type, names: table.get(type) }).toEqual({ type, names: [...registry.valueNamesFor(type)] });
  });
});
