import { describe, expect, it } from '@jest/globals';

import { dnsLabelPattern, isDnsSubdomain } from '../../../shared/kube/names.ts';

describe('Kubernetes names', () => {
  it('takes DNS labels of at most 63 characters, no dots, no leading or trailing dash', () => {
    expect(dnsLabelPattern.test('team-a')).toBe(true);
    expect(dnsLabelPattern.test('a'.repeat(63))).toBe(true);
    expect(dnsLabelPattern.test('a'.repeat(64))).toBe(false);
    for (const bad of ['Team', 'a.b', '-a', 'a-', '']) expect(dnsLabelPattern.test(bad)).toBe(false);
  });

  it('takes DNS subdomains of at most 253 characters', () => {
    expect(isDnsSubdomain('orders.storage-1')).toBe(true);
    expect(isDnsSubdomain(`${'a'.repeat(63)}.`.repeat(3) + 'a'.repeat(61))).toBe(true);
    expect(isDnsSubdomain('a'.repeat(254))).toBe(false);
    for (const bad of ['Orders', 'a..b', '.a', 'a_b', '']) expect(isDnsSubdomain(bad)).toBe(false);
  });
});
