import { z } from 'zod';

import { ErrorCode, ValidationError } from '../errors.ts';
import type { ResyncRequest } from './runResync.ts';
import { describeIssues } from '../describeIssues.ts';
import { dnsLabelPattern } from '../kube/names.ts';

const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);

const schema = z.strictObject({
  cluster: z.string().min(1).max(63).optional(),
  namespace: z.string().regex(dnsLabelPattern, 'must be a namespace name').optional(),
  resourceId: z
    .string()
    .regex(/^\/subscriptions\//i, 'must be an ARM resource ID')
    .max(1024)
    .optional(),
  dryRun: flag.optional(),
});

/**
 * Validates a resync request from the HTTP body and query string (query wins on a clash).
 * @param body - parsed JSON body, or undefined when there was none
 * @param query - query parameters
 * @throws ValidationError (`InvalidInput`) naming every bad field
 */
export function parseResyncRequest(body: unknown, query: Record<string, string>): ResyncRequest {
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
    throw new ValidationError(ErrorCode.InvalidInput, 'the resync request body must be a JSON object');
  }
  const parsed = schema.safeParse({ ...body, ...query });
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new ValidationError(
      ErrorCode.InvalidInput,
      `invalid resync request: ${problems.join('; ')}`,
      problems,
    );
  }
  return parsed.data;
}
