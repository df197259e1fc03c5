import { describe, expect, it } from '@jest/globals';

import type { ArmEvent } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { inDeliverySchema } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { ErrorCode, KeySyncError, ValidationError } from '../../../shared/errors.ts';
import type { ArmChange, IgnoredEvent } from '../../../shared/events/ArmChange.ts';
import { classifyArmEvent, createDeserializerLoader } from '../../../shared/events/classifyArmEvent.ts';
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

/** A sample event with some fields replaced (the samples are read-only reference material). */
const sample = (file: string, patch: (e: ArmEvent) => void = () => undefined): ArmEvent => {
  const e = structuredClone(first(file)) as ArmEvent;
  patch(e);
  return e;
};
const cloud = (e: unknown) => inDeliverySchema(e as ArmEvent, 'CloudEventSchemaV1_0');
const failure = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

describe('classifyArmEvent: resource IDs with a trailing slash', () => {
  it('names the same resource with a trailing slash in subject, resourceUri or both, in any casing', async () => {
    const plain = asChange(await classifyArmEvent(first('storage-regenerate-key.json')));
    for (const patch of [
      (e: ArmEvent) => void (e.subject += '/'),
      (e: ArmEvent) => void (e.data.resourceUri += '/'),
      (e: ArmEvent) => {
        e.subject = e.subject.toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions') + '/';
        e.data.resourceUri += '/';
      },
    ]) {
      const change = asChange(await classifyArmEvent(sample('storage-regenerate-key.json', patch)));
      expect(change.kind).toBe('keys');
      expect(change.resource.key).toBe(plain.resource.key);
      expect(change.resource.id.endsWith('/')).toBe(false);
    }
  });

  it('tolerates one slash, not more', async () => {
    const err = await failure(
      classifyArmEvent(sample('storage-regenerate-key.json', (e) => void (e.subject += '//'))),
    );
    expect(err).toBeInstanceOf(ValidationError);
  });
});

describe('classifyArmEvent: CloudEvents 1.0 deliveries', () => {
  it.each([
    'storage-regenerate-key.json',
    'storage-regenerate-key-uppercase.json',
    'cosmos-regenerate-key.json',
    'redis-regenerate-key.json',
    'storage-write.json',
    'storage-delete.json',
    'storage-listkeys-own-call.json',
  ])('%s classifies exactly like its Event Grid schema form', async (file) => {
    const asCloudEvent = cloud(first(file));
    expect(asCloudEvent).toHaveProperty('specversion', '1.0');
    expect(await classifyArmEvent(asCloudEvent)).toEqual(await classifyArmEvent(first(file)));
  });

  it('a trailing slash in a CloudEvent subject is tolerated too', async () => {
    const change = asChange(
      await classifyArmEvent(cloud(sample('storage-regenerate-key.json', (e) => void (e.subject += '/')))),
    );
    expect(change.resource.key).toBe(
      asChange(await classifyArmEvent(first('storage-regenerate-key.json'))).resource.key,
    );
  });

  it.each([
    ['no subject', (c: Record<string, unknown>) => delete c.subject, /subject is missing/],
    ['no time', (c: Record<string, unknown>) => delete c.time, /time is missing/],
    ['no type', (c: Record<string, unknown>) => delete c.type, /type/],
    ['another spec version', (c: Record<string, unknown>) => (c.specversion = '0.3'), /1\.0/],
    ['no data', (c: Record<string, unknown>) => delete c.data, /data\.operationName is missing/],
    ['a bad time', (c: Record<string, unknown>) => (c.time = 'yesterday'), /time/],
  ])('a CloudEvent with %s is poison, with the problem named', async (_label, patch, message) => {
    const c = cloud(first('storage-regenerate-key.json')) as unknown as Record<string, unknown>;
    patch(c);
    const err = await failure(classifyArmEvent(c));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^Event Grid event /);
    expect((err as Error).message).toMatch(message);
  });
});

describe('classifyArmEvent: the Event Grid SDK cannot be loaded', () => {
  it('throws a retryable error (the delivery fails and is redelivered), not a poison one', async () => {
    const err = await failure(
      classifyArmEvent(first('storage-regenerate-key.json'), {
        loadDeserializer: () => Promise.reject(new Error('Cannot find package @azure/eventgrid')),
      }),
    );
    expect(err).toBeInstanceOf(KeySyncError);
    expect(err).not.toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ retryable: true, code: ErrorCode.Internal });
    expect((err as Error).message).toContain('6f1c2a9e-7d3b-4c55-9a1e-0b2c3d4e5f60');
  });

  it('a failed import is not remembered: the next delivery imports again', async () => {
    let imports = 0;
    const load = createDeserializerLoader(async () => {
      imports += 1;
      if (imports === 1) throw new Error('ERR_MODULE_NOT_FOUND');
      return import('@azure/eventgrid');
    });
    const event = first('storage-regenerate-key.json');
    expect(await failure(classifyArmEvent(event, { loadDeserializer: load }))).toMatchObject({
      retryable: true,
    });
    expect(asChange(await classifyArmEvent(event, { loadDeserializer: load })).kind).toBe('keys');
    await classifyArmEvent(event, { loadDeserializer: load });
    expect(imports).toBe(2);
  });
});
