import { describe, expect, it } from '@jest/globals';

import { ErrorCode } from '../../../shared/errors.ts';
import { mapKubeError } from '../../../shared/kube/mapKubeError.ts';

const op = { cluster: 'c1', action: 'update Secret ns/s' };
const apiError = (code: number, body: unknown) =>
  Object.assign(new Error('HTTP'), { code, body: JSON.stringify(body) });

describe('mapKubeError', () => {
  it('keeps the reason and code but never the free text of a Status (a webhook may echo Secret data)', () => {
    const fake = 'AccountKey=c2VjcmV0LWtleS12YWx1ZS10aGF0LW11c3Qtbm90LWxlYWs=';
    const err = mapKubeError(
      apiError(500, {
        kind: 'Status',
        reason: 'InternalError',
        message: `Internal error occurred: failed calling admission webhook "x": echo ${fake}`,
      }),
      op,
    );
    expect(err).toMatchObject({ code: ErrorCode.ClusterUnreachable, retryable: true });
    expect(err.message).toContain('InternalError');
    expect(err.message).toContain('admission webhook');
    expect(err.message).not.toContain(fake);
    expect(err.message).not.toContain('c2VjcmV0');
  });

  it('names the fields a validation error points at, not their values', () => {
    const err = mapKubeError(
      apiError(422, {
        reason: 'Invalid',
        message: 'Secret "s" is invalid: data[..x]: Invalid value: "..x": a valid config key',
        details: {
          causes: [{ field: 'data[..x]', reason: 'FieldValueInvalid', message: 'value "hunter2"' }],
        },
      }),
      op,
    );
    expect(err).toMatchObject({ code: ErrorCode.InvalidInput, retryable: false });
    expect(err.message).toBe(
      'update Secret ns/s in cluster c1 was rejected (422): Invalid (fields: data[..x])',
    );
  });

  it('maps 409 to a retryable WriteConflict, distinct from an ownership conflict', () => {
    expect(mapKubeError(apiError(409, { reason: 'Conflict' }), op)).toMatchObject({
      code: ErrorCode.WriteConflict,
      retryable: true,
    });
  });
});
