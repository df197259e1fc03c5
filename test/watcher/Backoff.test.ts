import { describe, expect, it } from '@jest/globals';

import { Backoff } from '../../watcher/Backoff.ts';

describe('Backoff', () => {
  it('doubles from the first delay up to the cap, and starts over after a reset', () => {
    const b = new Backoff(100, 500);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 500, 500]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});
