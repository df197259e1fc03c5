import type { HttpRequest } from '@azure/functions';

import { ErrorCode, ValidationError } from '../shared/errors.ts';

/**
 * Reads a request's JSON body; an empty body is `undefined`.
 * @param request - the HTTP request
 * @throws ValidationError (`InvalidInput`) when the body is not JSON
 */
export async function readJsonBody(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ValidationError(ErrorCode.InvalidInput, 'the request body is not valid JSON');
  }
}
