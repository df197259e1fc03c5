import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../../testkit/repoRoot.ts';

/** Folder of the sample Event Grid deliveries (reference material beside the repository, read-only). */
export const referenceEventsDir = join(repoRoot, '..', 'shared', 'reference', 'events');

/**
 * Reads one sample delivery (a JSON array of events, or for malformed.json an array of cases).
 * @param file - file name in the events folder
 */
export function readReferenceEvents(file: string): unknown {
  return JSON.parse(readFileSync(join(referenceEventsDir, file), 'utf8')) as unknown;
}
