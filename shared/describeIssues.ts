import type { z } from 'zod';

/**
 * One human-readable line per validation problem: the field path (dotted, `(root)` for the whole input) and
 * zod's message. Messages name fields, never echo the values.
 * @param error - a failed zod parse's error
 */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
