import { describe, expect, it } from '@jest/globals';

import { inDeliverySchema } from '../../../testkit/armSimulator/ArmSimulator.ts';
import type { ArmEvent } from '../../../testkit/armSimulator/ArmSimulator.ts';
import { KeySyncError } from '../../../shared/errors.ts';
import type { ArmChange } from '../../../shared/events/ArmChange.ts';
import type { EventClaims } from '../../../shared/events/EventClaims.ts';
import { createMemoryEventClaims } from '../../../shared/events/EventClaims.ts';
import type { ArmEventDeps, ArmEventOutcome } from '../../../shared/events/handleArmChanges.ts';
import type { HandleArmEventDeps } from '../../../shared/events/handleArmEvent.ts';
import { handleArmEvent } from '../../../shared/events/handleArmEvent.ts';
import { createJsonLogger } from '../../../shared/logging.ts';
import { readReferenceEvents } from '../../support/referenceEvents.ts';

const regenerate = (readReferenceEvents('storage-regenerate-key.json') as ArmEvent[])[0] as ArmEvent;
const ok: ArmEventOutcome = { bindings: [], clusterFailures: [], resourcesFetched: 1, retryable: [] };
const failed: ArmEventOutcome = {
  ...ok,
  retryable: [new KeySyncError('ClusterUnreachable', 'cluster-b unreachable', { retryable: true })],
};

/** A fake engine: counts applied changes (one per ARM key fetch) and answers as told. */
function harness(options: { claims?: EventClaims; answer?: () => Promise<ArmEventOutcome> } = {}) {
  const lines: string[] = [];
  let clock = new Date('2026-11-20T10:15:43Z').getTime();
  const applied: ArmChange[] = [];
  const deps: HandleArmEventDeps = {
    engine: {
      logger: createJsonLogger((_l, line) => lines.push(line), 'debug'),
      now: () => new Date(clock),
    } as unknown as ArmEventDeps,
    claims: options.claims ?? createMemoryEventClaims(),
    applyChanges: async (_deps, changes) => {
      applied.push(...changes);
      return (options.answer ?? (() => Promise.resolve(ok)))();
    },
  };
  return {
    deps,
    applied,
    lines,
    advance: (ms: number) => void (clock += ms),
    handle: (raw: unknown = regenerate) => handleArmEvent(deps, raw),
  };
}

const failure = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
};

describe('handleArmEvent', () => {
  it('applies an event once; a later duplicate is acknowledged without work', async () => {
    const h = harness();
    expect(await h.handle()).toMatchObject({ status: 'handled', change: { kind: 'keys' } });
    expect(await h.handle()).toEqual({ status: 'duplicate', eventId: regenerate.id });
    expect(await h.handle(inDeliverySchema(regenerate, 'CloudEventSchemaV1_0'))).toMatchObject({
      status: 'duplicate',
    });
    expect(h.applied).toHaveLength(1);
  });

  it('concurrent duplicates: one applies; the other fails retryably with no work, and is a duplicate once done', async () => {
    let finish: (o: ArmEventOutcome) => void = () => undefined;
    const h = harness({ answer: () => new Promise((r) => (finish = r)) });
    const first = h.handle();
    const second = await failure(h.handle());
    expect(second).toMatchObject({ retryable: true });
    expect((second as Error).message).toMatch(/being handled by another invocation/);
    expect(h.applied).toHaveLength(1);
    finish(ok);
    expect(await first).toMatchObject({ status: 'handled' });
    expect(await h.handle()).toMatchObject({ status: 'duplicate' });
    expect(h.applied).toHaveLength(1);
  });

  it('a retryable outcome releases the claim, so the redelivery does the work again', async () => {
    let answer = failed;
    const h = harness({ answer: () => Promise.resolve(answer) });
    const result = await h.handle();
    expect(result).toMatchObject({
      status: 'handled',
      outcome: { retryable: [{ code: 'ClusterUnreachable' }] },
    });
    answer = ok;
    expect(await h.handle()).toMatchObject({ status: 'handled', outcome: { retryable: [] } });
    expect(await h.handle()).toMatchObject({ status: 'duplicate' });
    expect(h.applied).toHaveLength(2);
  });

  it('a thrown failure releases the claim and is rethrown', async () => {
    let calls = 0;
    const h = harness({
      answer: () => (++calls === 1 ? Promise.reject(new Error('index unavailable')) : Promise.resolve(ok)),
    });
    expect(await failure(h.handle())).toMatchObject({ message: 'index unavailable' });
    expect(await h.handle()).toMatchObject({ status: 'handled' });
    expect(h.applied).toHaveLength(2);
  });

  it('takes over the expired claim of a crashed handler, and logs it', async () => {
    const claims = createMemoryEventClaims({ leaseInMs: 60_000 });
    const h = harness({ claims });
    await claims.claim(regenerate.id, h.deps.engine.now()); // a host that died while handling it
    expect(await failure(h.handle())).toMatchObject({ retryable: true });
    h.advance(60_000);
    expect(await h.handle()).toMatchObject({ status: 'handled' });
    expect(h.applied).toHaveLength(1);
    expect(h.lines.some((l) => l.includes('expired event claim taken over'))).toBe(true);
  });

  it('poison and ignored events take no claim and do no work', async () => {
    const claims = createMemoryEventClaims();
    const h = harness({ claims });
    const poison = structuredClone(regenerate);
    poison.subject = 'hello';
    expect(await h.handle(poison)).toMatchObject({ status: 'poison', eventId: regenerate.id });
    const own = (readReferenceEvents('storage-listkeys-own-call.json') as ArmEvent[])[0] as ArmEvent;
    expect(await h.handle(own)).toMatchObject({ status: 'ignored' });
    expect(h.applied).toHaveLength(0);
    expect((await claims.claim(regenerate.id, new Date())).status).toBe('claimed');
    expect((await claims.claim(own.id, new Date())).status).toBe('claimed');
  });

  it('an Event Grid SDK that cannot load fails the delivery retryably (not poison), with no claim', async () => {
    const claims = createMemoryEventClaims();
    const h = harness({ claims });
    const err = await failure(
      handleArmEvent(
        { ...h.deps, loadDeserializer: () => Promise.reject(new Error('Cannot find package')) },
        regenerate,
      ),
    );
    expect(err).toMatchObject({ retryable: true });
    expect((await claims.claim(regenerate.id, new Date())).status).toBe('claimed');
  });

  it('claims storage failing fails the delivery retryably, before any work', async () => {
    const broken: EventClaims = {
      ...createMemoryEventClaims(),
      claim: () => Promise.reject(new KeySyncError('Internal', 'Table storage down', { retryable: true })),
    };
    const h = harness({ claims: broken });
    expect(await failure(h.handle())).toMatchObject({ retryable: true });
    expect(h.applied).toHaveLength(0);
  });

  it('the work done, a claim that cannot be completed or swept is logged, not failed', async () => {
    const claims: EventClaims = {
      ...createMemoryEventClaims(),
      complete: () => Promise.reject(new Error('Table storage down')),
      sweep: () => Promise.reject(new Error('Table storage down')),
    };
    const h = harness({ claims });
    expect(await h.handle()).toMatchObject({ status: 'handled' });
    expect(h.lines.some((l) => l.includes('event claim not completed'))).toBe(true);
    expect(h.lines.some((l) => l.includes('expired event claims not deleted'))).toBe(true);
  });
});
