import type { InvocationContext } from '@azure/functions';

import type { LogFields, Logger } from '../shared/logging.ts';

/**
 * Adapts an invocation's context to the engine's {@link Logger}: one JSON line per call, with the invocation
 * ID, so Application Insights can correlate. Fields are IDs and counts only.
 * @param context - the invocation context
 */
export function contextLogger(context: InvocationContext): Logger {
  const line = (fields: LogFields, message: string) =>
    JSON.stringify({ msg: message, invocationId: context.invocationId, ...fields });
  return {
    debug: (f, m) => context.debug(line(f, m)),
    info: (f, m) => context.info(line(f, m)),
    warn: (f, m) => context.warn(line(f, m)),
    error: (f, m) => context.error(line(f, m)),
  };
}
