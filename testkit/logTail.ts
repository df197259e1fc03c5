import { readFileSync } from 'node:fs';

/**
 * The last `lines` lines of a log file, for error messages; an empty string when it cannot be read. Only
 * used for logs of the local test stack (etcd, kube-apiserver, Azurite), which hold no tokens.
 */
export function logTail(path: string, lines = 30): string {
  try {
    const all = readFileSync(path, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '';
  }
}
