import { armErrors } from './ArmHttpError.ts';

/**
 * Reads a required string property of a JSON request body.
 * @param body - parsed body
 * @param property - property name
 * @throws ArmHttpError 400 when missing or not a string
 */
export function requireBodyString(body: unknown, property: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[property] : undefined;
  if (typeof value !== 'string' || value === '') {
    throw armErrors.badRequest(`The request body must contain the string property '${property}'.`);
  }
  return value;
}
