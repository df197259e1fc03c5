import type { HttpResponseInit } from '@azure/functions';

import { ErrorCode, isKeySyncError } from '../shared/errors.ts';
import type { Logger } from '../shared/logging.ts';
import { errorFields } from '../shared/logging.ts';

/**
 * Maps an error to an HTTP answer: invalid input 400, unknown cluster 404, retryable failures 503, anything
 * else 500 with no internal detail. The body names the problem, never a value.
 * @param err - what was thrown
 * @param logger - where the failure is logged
 */
export function httpErrorResponse(err: unknown, logger: Logger): HttpResponseInit {
  logger.warn(errorFields(err), 'request failed');
  if (isKeySyncError(err)) {
    const problems = (err as { problems?: readonly string[] }).problems;
    const status =
      err.code === ErrorCode.ClusterNotRegistered
        ? 404
        : err.retryable
          ? 503
          : err.code === ErrorCode.Internal
            ? 500
            : 400;
    return {
      status,
      jsonBody: {
        error: { code: err.code, message: err.message, ...(problems?.length ? { problems } : {}) },
      },
    };
  }
  return {
    status: 500,
    jsonBody: { error: { code: ErrorCode.Internal, message: 'internal error; see the function logs' } },
  };
}
