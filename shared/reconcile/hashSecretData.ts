import { createHash } from 'node:crypto';

/**
 * A stable hash of Secret data (sorted keys), stored in an annotation and compared to skip no-op writes and to
 * detect drift. A SHA-256 of high-entropy keys reveals nothing usable about them.
 * @param data - data key -> plain value
 * @returns `sha256:<hex>`
 */
export function hashSecretData(data: Readonly<Record<string, string>>): string {
  const h = createHash('sha256');
  for (const key of Object.keys(data).sort()) {
    h.update(key)
      .update('\0')
      .update(data[key] ?? '')
      .update('\0');
  }
  return `sha256:${h.digest('hex')}`;
}
