import { describe, expect, it } from '@jest/globals';
import {
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { mapArmError } from '../../../shared/arm/mapArmError.ts';
import { ErrorCode, KeySyncError } from '../../../shared/errors.ts';
import { DeadlineExceededError } from '../../../shared/timeouts/withDeadline.ts';

const resourceId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st';
const action = 'Microsoft.Storage/storageAccounts/listKeys/action';
const secret = 'c2VjcmV0LWtleS12YWx1ZS10aGF0LW11c3Qtbm90LWxlYWs=';

function restError(
  status: number,
  code?: string,
  message = 'ARM said no',
  headers: Record<string, string> = {},
): RestError {
  const request = createPipelineRequest({ url: 'https://management.azure.com' + resourceId });
  const response: PipelineResponse = { status, headers: createHttpHeaders(headers), request };
  return new RestError(message, { statusCode: status, ...(code ? { code } : {}), request, response });
}

describe('mapArmError', () => {
  it('maps a call or token request past its bound to ArmUnavailable, retryable, naming what timed out', () => {
    const err = mapArmError(new DeadlineExceededError('getting an Entra ID token (scope)', 250), {
      resourceId,
      action,
    });
    expect([err.code, err.retryable]).toEqual([ErrorCode.ArmUnavailable, true]);
    expect(err.message).toBe(
      `${action} on ${resourceId} failed: getting an Entra ID token (scope) timed out after 250 ms`,
    );
  });

  it('maps 404 to ResourceNotFound, not retryable, with the resource ID', () => {
    const err = mapArmError(restError(404, 'ResourceNotFound', 'not here', { 'x-ms-request-id': 'req-1' }), {
      resourceId,
      action,
    });
    expect(err).toBeInstanceOf(KeySyncError);
    expect(err.code).toBe(ErrorCode.ResourceNotFound);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(resourceId);
    expect(err.details).toMatchObject({
      resourceId,
      action,
      statusCode: 404,
      armCode: 'ResourceNotFound',
      requestId: 'req-1',
    });
  });

  it('says when the resource group is missing', () => {
    expect(mapArmError(restError(404, 'ResourceGroupNotFound'), { resourceId }).message).toMatch(
      /resource group/,
    );
  });

  it('maps 403 to ArmForbidden naming the action ARM reported missing', () => {
    const armMessage =
      "The client 'keysync' with object id 'x' does not have authorization to perform action " +
      `'Microsoft.Storage/storageAccounts/listKeys/action' over scope '${resourceId}' or the scope is invalid.`;
    const err = mapArmError(restError(403, 'AuthorizationFailed', armMessage), { resourceId });
    expect(err.code).toBe(ErrorCode.ArmForbidden);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("'Microsoft.Storage/storageAccounts/listKeys/action'");
    expect(err.message).toContain(resourceId);
    expect(err.details.missingAction).toBe('Microsoft.Storage/storageAccounts/listKeys/action');
  });

  it('maps 401 to ArmForbidden', () => {
    const err = mapArmError(restError(401, 'AuthenticationFailed'), { resourceId, action });
    expect(err.code).toBe(ErrorCode.ArmForbidden);
    expect(err.message).toMatch(/credentials/);
  });

  it('maps 429 to ArmThrottled, retryable, with Retry-After in ms (seconds or ms headers)', () => {
    const seconds = mapArmError(restError(429, 'TooManyRequests', 'x', { 'retry-after': '17' }), {
      resourceId,
    });
    expect(seconds.code).toBe(ErrorCode.ArmThrottled);
    expect(seconds.retryable).toBe(true);
    expect(seconds.retryAfterInMs).toBe(17_000);
    expect(
      mapArmError(restError(429, undefined, 'x', { 'retry-after-ms': '250' }), { resourceId }).retryAfterInMs,
    ).toBe(250);
    const date = new Date(Date.now() + 5_000).toUTCString();
    const byDate = mapArmError(restError(429, undefined, 'x', { 'retry-after': date }), {
      resourceId,
    }).retryAfterInMs;
    expect(byDate).toBeGreaterThan(3_000);
    expect(mapArmError(restError(429), { resourceId }).retryAfterInMs).toBeUndefined();
  });

  it('maps 409 to ArmConflict, retryable', () => {
    const err = mapArmError(restError(409, 'Conflict'), { resourceId });
    expect([err.code, err.retryable]).toEqual([ErrorCode.ArmConflict, true]);
  });

  it.each([500, 502, 503, 504, 408])('maps %i to ArmUnavailable, retryable', (status) => {
    const err = mapArmError(restError(status), { resourceId, action });
    expect([err.code, err.retryable]).toEqual([ErrorCode.ArmUnavailable, true]);
    expect(err.message).toContain(`HTTP ${status}`);
  });

  it('maps other 4xx to a non-retryable Internal error', () => {
    const err = mapArmError(restError(400, 'MissingApiVersionParameter'), { resourceId });
    expect([err.code, err.retryable]).toEqual([ErrorCode.Internal, false]);
  });

  it('maps network errors, timeouts and aborts to ArmUnavailable, retryable', () => {
    const network = new RestError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    expect(mapArmError(network, { resourceId })).toMatchObject({
      code: ErrorCode.ArmUnavailable,
      retryable: true,
    });

    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    const timeout = mapArmError(aborted, { resourceId, action, timeoutInMs: 250 });
    expect(timeout).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
    expect(timeout.message).toMatch(/timed out after 250 ms/);

    const controller = new AbortController();
    controller.abort();
    const cancelled = mapArmError(aborted, { resourceId, abortSignal: controller.signal });
    expect(cancelled.message).toMatch(/cancelled/);
    expect(cancelled.retryable).toBe(true);
  });

  it('maps identity failures', () => {
    const unavailable = Object.assign(new Error('no MSI'), { name: 'CredentialUnavailableError' });
    expect(mapArmError(unavailable, { resourceId })).toMatchObject({
      code: ErrorCode.ArmUnavailable,
      retryable: true,
    });
    const refused = Object.assign(new Error('bad client'), { name: 'AuthenticationError', statusCode: 400 });
    expect(mapArmError(refused, { resourceId })).toMatchObject({
      code: ErrorCode.ArmForbidden,
      retryable: false,
    });
  });

  it('never copies a response body into the message or the cause (parse errors quote the body)', () => {
    const parseError = new RestError(
      `Error "SyntaxError" occurred while parsing the response body - {"keys":[{"value":"${secret}"`,
      {
        code: 'PARSE_ERROR',
        statusCode: 200,
      },
    );
    const err = mapArmError(parseError, { resourceId, action });
    expect(err).toMatchObject({ code: ErrorCode.ArmUnavailable, retryable: true });
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(secret);
    expect(String((err.cause as Error).message)).not.toContain(secret);

    const typeError = new TypeError(`Cannot read properties of ${secret}`);
    const mapped = mapArmError(typeError, { resourceId });
    expect(mapped.message).not.toContain(secret);
    expect((mapped.cause as Error).message).not.toContain(secret);
  });

  it('returns KeySyncErrors unchanged and copes with non-errors', () => {
    const original = new KeySyncError(ErrorCode.DataPlaneDisabled, 'x');
    expect(mapArmError(original, { resourceId })).toBe(original);
    expect(mapArmError('boom', { resourceId })).toMatchObject({
      code: ErrorCode.ArmUnavailable,
      retryable: true,
    });
  });
});
