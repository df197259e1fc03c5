import { describe, expect, it } from '@jest/globals';

import { retryLostRaces } from '../../shared/retryLostRaces.ts';

const race = Object.assign(new Error('etag changed'), { race: true });
const lost = (err: unknown) => (err as { race?: boolean }).race === true;

describe('retryLostRaces', () => {
  it('runs the step again while it loses a race, and returns the first result', async () => {
    const attempts: number[] = [];
    const r = await retryLostRaces(3, lost, (attempt) => {
      attempts.push(attempt);
      return attempt < 3 ? Promise.reject(race) : Promise.resolve('written');
    });
    expect(r).toBe('written');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('throws the last lost race once the attempts are spent', async () => {
    let n = 0;
    await expect(retryLostRaces(2, lost, () => (n++, Promise.reject(race)))).rejects.toBe(race);
    expect(n).toBe(2);
  });

  it('throws any other error at once', async () => {
    let n = 0;
    const other = new Error('forbidden');
    await expect(retryLostRaces(5, lost, () => (n++, Promise.reject(other)))).rejects.toBe(other);
    expect(n).toBe(1);
  });
});
