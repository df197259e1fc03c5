import { ErrorCode, ValidationError } from '../errors.ts';
import type { KeySyncErrorOptions } from '../errors.ts';

/** Where the names came from, for the error. */
export interface UnknownValuesContext {
  /** What asked for them, prefixed to the message, e.g. `KeyBinding ns/name`. */
  readonly subject?: string;
  /** Prefix of each problem's field path, e.g. `spec.secrets.`. */
  readonly fieldPrefix?: string;
  /** Identifiers for the error's details (never values). */
  readonly details?: KeySyncErrorOptions['details'];
}

/**
 * The one check that a binding asks a resource type only for value names it provides: used before any ARM
 * call (preflightBinding) and by every provider again (a provider can be called directly).
 * @param resourceType - the resource type, for the message
 * @param valueNames - every name the type provides
 * @param wanted - the names asked for
 * @param context - who asked and where, for the message and the field paths
 * @returns `InvalidBinding` listing the unknown names and the valid ones, or undefined when all are known
 */
export function unknownValuesError(
  resourceType: string,
  valueNames: readonly string[],
  wanted: Iterable<string>,
  context: UnknownValuesContext = {},
): ValidationError | undefined {
  const unknown = [...wanted].filter((w) => !valueNames.includes(w));
  if (unknown.length === 0) return undefined;
  return new ValidationError(
    ErrorCode.InvalidBinding,
    `${context.subject ? `${context.subject}: ` : ''}${resourceType} does not provide ` +
      `${unknown.map((u) => `'${u}'`).join(', ')}; valid value names: ${valueNames.join(', ')}`,
    unknown.map((u) => `${context.fieldPrefix ?? ''}${u}: unknown value name`),
    context.details ? { details: context.details } : {},
  );
}
