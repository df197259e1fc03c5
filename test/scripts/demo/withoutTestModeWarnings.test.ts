import { afterEach, describe, expect, it, jest } from '@jest/globals';

import { withoutTestModeWarnings } from '../../../scripts/demo/withoutTestModeWarnings.ts';

afterEach(() => {
  jest.restoreAllMocks();
});

describe('withoutTestModeWarnings', () => {
  it('drops the test-mode warnings @azure/functions prints while function modules register', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await withoutTestModeWarnings(() => import('../../../functions/resync.ts'));
    expect(warn).not.toHaveBeenCalled();
    expect(console.warn).toBe(warn);

    // The same package, unfiltered: the warning the filter matches is really printed (its wording is checked).
    await import('../../../functions/clusters.ts');
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(/^WARNING: Skipping call to register function "\w+" because .* test mode/),
    ]);
  });

  it('lets every other warning through and restores console.warn when the load fails', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await expect(
      withoutTestModeWarnings(() => {
        console.warn('WARNING: something the user can act on');
        console.warn('WARNING: Skipping call to register function "x" because it is late.');
        return Promise.reject(new Error('boom'));
      }),
    ).rejects.toThrow('boom');
    expect(warn.mock.calls).toEqual([
      ['WARNING: something the user can act on'],
      ['WARNING: Skipping call to register function "x" because it is late.'],
    ]);
    expect(console.warn).toBe(warn);
  });
});
