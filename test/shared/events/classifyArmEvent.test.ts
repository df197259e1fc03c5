import { describe, expect, it } from '@jest/globals';

import { ValidationError } from '../../../shared/errors.ts';
import type { ArmChange, IgnoredEvent } from '../../../shared/events/ArmChange.ts';
import { classifyArmEvent } from '../../../shared/events/classifyArmEvent.ts';
import { readReferenceEvents } from '../../support/referenceEvents.ts';

const first = (file: string) => (readReferenceEvents(file) as unknown[])[0];
const asChange = (r: ArmChange | IgnoredEvent) => r as ArmChange;

describe('classifyArmEvent on the sample deliveries', () => {
  it.each([
    ['storage-regenerate-key.json', 'keys', 'microsoft.storage/storageaccounts'],
    ['storage-regenerate-key-uppercase.json', 'keys', 'microsoft.storage/storageaccounts'],
    ['cosmos-regenerate-key.json', 'keys', 'microsoft.documentdb/databaseaccounts'],
    ['redis-regenerate-key.json', 'keys', 'microsoft.cache/redis'],
    ['storage-write.json', 'write', 'microsoft.storage/storageaccounts'],
    ['storage-delete.json', 'delete', 'microsoft.storage/storageaccounts'],
  ])('%s is a %s change of a %s', async (file, kind, type) => {
    const change = asChange(await classifyArmEvent(first(file)));
    expect(change.kind).toBe(kind);
    expect(change.resource.resourceType).toBe(type);
    expect(change.eventTime).toBeInstanceOf(Date);
    expect(change.resource.key).toBe(change.resource.key.toLowerCase());
  });

  it('upper-cased and normal spellings name the same resource key', async () => {
    const a = asChange(await classifyArmEvent(first('storage-regenerate-key.json')));
    const b = asChange(await classifyArmEvent(first('storage-regenerate-key-uppercase.json')));
    expect(b.resource.key).toBe(a.resource.key);
  });

  it('ignores our own listKeys call echoed back (no feedback loop)', async () => {
    const r = await classifyArmEvent(first('storage-listkeys-own-call.json'));
    expect(r).toMatchObject({ ignored: true });
    expect((r as IgnoredEvent).reason).toMatch(/listKeys/i);
  });

  it('ignores the subscription validation handshake', async () => {
    expect(await classifyArmEvent(first('subscription-validation.json'))).toMatchObject({ ignored: true });
  });

  const malformed = readReferenceEvents('malformed.json') as Array<{
    case: string;
    body?: unknown;
    raw?: string;
  }>;
  it.each(malformed.map((m) => [m.case, m] as const))('malformed: %s', async (_case, m) => {
    const events = m.raw !== undefined ? [m.raw] : Array.isArray(m.body) ? m.body : [m.body];
    for (const e of events) {
      let outcome: unknown;
      try {
        outcome = await classifyArmEvent(e);
      } catch (err) {
        outcome = err;
      }
      if (m.case.startsWith('not an array')) {
        // A single object is one event: accepted (the Functions trigger hands events over one at a time).
        expect((outcome as ArmChange).kind).toBe('write');
      } else {
        expect(outcome).toBeInstanceOf(ValidationError);
        expect((outcome as ValidationError).message).toMatch(/^Event Grid event /);
      }
    }
  });

  it('names the problem: missing data, bad subject, unsupported type', async () => {
    const cases = Object.fromEntries(malformed.map((m) => [m.case, m]));
    const msg = async (c: string) => {
      const body = cases[c]?.body as unknown[];
      try {
        await classifyArmEvent(body[0]);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(await msg('missing data')).toContain('data');
    expect(await msg('subject is not an ARM resource id')).toMatch(
      /different resources|not an ARM resource ID/,
    );
    expect(await msg('unsupported resource type')).toContain('microsoft.web/sites');
    expect(await msg('huge subject (10k characters)')).toContain('too long');
  });
});
