/**
 * `node scripts/generateCrd.ts`: writes the value-name admission rules of the KeyBinding CRD
 * (`infra/k8s/keybinding-crd.yaml`) from the key providers' catalogues. Run it after changing a provider's
 * value names; `test/scripts/crd/setValueNameRules.test.ts` fails until the file is regenerated.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { setValueNameRules } from './crd/setValueNameRules.ts';
import { valueNameRules } from './crd/valueNameRules.ts';
import { repoRoot } from '../testkit/repoRoot.ts';

const file = join(repoRoot, 'infra/k8s/keybinding-crd.yaml');
const before = await readFile(file, 'utf8');
const after = await setValueNameRules(before, valueNameRules(), file);
if (after === before) {
  console.log(`${file} is up to date`);
} else {
  await writeFile(file, after);
  console.log(`${file} updated`);
}
