import { createHash } from 'node:crypto';

import { describe, expect, it } from '@jest/globals';

import { hashSortedEntries } from '../../shared/hashSortedEntries.ts';
import { fingerprintOf } from '../../shared/keys/fingerprintOf.ts';
import { hashSecretData } from '../../shared/reconcile/hashSecretData.ts';

/** The persisted layout, written out by hand: name NUL value NUL, names sorted. */
const expected = createHash('sha256').update('a\0one\0b\0two\0').digest('hex');

describe('hashSortedEntries', () => {
  it('hashes name/value pairs sorted by name, in the persisted layout', () => {
    expect(hashSortedEntries({ b: 'two', a: 'one' })).toBe(expected);
    expect(hashSortedEntries({ a: 'one', b: 'two' })).toBe(expected);
    expect(hashSortedEntries({ a: 'one', b: 'twO' })).not.toBe(expected);
  });

  it('is the hash behind both the key fingerprint and the Secret data hash (unchanged formats)', () => {
    expect(
      fingerprintOf(
        new Map([
          ['b', 'two'],
          ['a', 'one'],
          ['c', 'ignored'],
        ]),
        ['b', 'a'],
      ),
    ).toBe(expected);
    expect(hashSecretData({ b: 'two', a: 'one' })).toBe(`sha256:${expected}`);
  });

  it('takes a missing key value as empty (a fingerprint over every key name)', () => {
    const empty = createHash('sha256').update('a\0\0').digest('hex');
    expect(fingerprintOf(new Map(), ['a'])).toBe(empty);
  });
});
