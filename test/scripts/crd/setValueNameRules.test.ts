/**
 * The CRD's value-name rules are generated from the key providers' catalogues: the committed file must be
 * exactly what `node scripts/generateCrd.ts` writes, so a value name added to (or removed from) a provider
 * fails here until the CRD is regenerated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

import { setValueNameRules } from '../../../scripts/crd/setValueNameRules.ts';
import { valueNameRules } from '../../../scripts/crd/valueNameRules.ts';
import { repoRoot } from '../../../testkit/repoRoot.ts';
import type { KeyProvider } from '../../../shared/keys/KeyProvider.ts';
import { KeyProviderRegistry } from '../../../shared/keys/registry.ts';

const file = join(repoRoot, 'infra/k8s/keybinding-crd.yaml');
const committed = readFileSync(file, 'utf8');

const provider = (resourceType: string, valueNames: string[]): KeyProvider => ({
  resourceType,
  valueNames,
  keyValueNames: [],
  needsKeys: () => false,
  fetchValues: () => Promise.resolve({ values: new Map(), unavailable: new Map() }),
});

function specRules(yamlText: string): unknown {
  const crd = parse(yamlText) as {
    spec: {
      versions: Array<{ schema: { openAPIV3Schema: { properties: { spec: Record<string, unknown> } } } }>;
    };
  };
  return crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec['x-kubernetes-validations'];
}

describe('the KeyBinding CRD value-name rules', () => {
  it("hold exactly the providers' catalogues", () => {
    expect(specRules(committed)).toEqual(valueNameRules());
  });

  it('are what the generator writes (run `node scripts/generateCrd.ts` after changing a catalogue)', async () => {
    expect(await setValueNameRules(committed, valueNameRules(), file)).toBe(committed);
  });

  it('are rewritten from the catalogues, leaving the rest of the file as it was', async () => {
    const stale = await setValueNameRules(
      committed,
      valueNameRules(
        new KeyProviderRegistry().register(provider('Microsoft.Storage/storageAccounts', ['a'])),
      ),
      file,
    );
    expect(specRules(stale)).not.toEqual(valueNameRules());
    expect(await setValueNameRules(stale, valueNameRules(), file)).toBe(committed);
  });

  it('name each type case-insensitively and list its value names', () => {
    const [rule] = valueNameRules(
      new KeyProviderRegistry().register(provider('Microsoft.Example/widgets', ['left', 'right'])),
    );
    expect(rule?.rule).toBe(
      "!self.resourceId.matches('(?i)^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft[.]example/widgets/[^/]+$')" +
        " || self.secrets.all(v, v in ['left', 'right'])",
    );
    expect(rule?.message).toBe('microsoft.example/widgets provides only these value names: left, right');
    expect(rule?.fieldPath).toBe('.secrets');
  });
});
