/**
 * Kubernetes name rules (RFC 1123), in one place for every schema and check that validates a name: the CRD,
 * the admin endpoint, the resync filters, watch messages and the watcher's settings.
 */

/** A DNS label: namespaces, registered cluster names. At most 63 characters (the pattern bounds it). */
export const dnsLabelPattern = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A DNS subdomain: most object names (Secrets, KeyBindings). The pattern does not bound the length. */
export const dnsSubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Longest DNS subdomain. */
export const maxDnsSubdomainLength = 253;

/**
 * Whether a string is a valid object name (a DNS subdomain of at most 253 characters).
 * @param name - the candidate
 */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= maxDnsSubdomainLength && dnsSubdomainPattern.test(name);
}
