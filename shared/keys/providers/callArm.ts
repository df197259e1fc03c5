import {
  armOperationOptions,
  type ArmConnection,
  type ArmOperationOptions,
} from '../../arm/armClientOptions.ts';
import { mapArmError } from '../../arm/mapArmError.ts';

/** One ARM call: where it goes and what it is. */
export interface ArmCallSpec {
  readonly connection: ArmConnection;
  /** ARM ID of the target. */
  readonly resourceId: string;
  /** Operation name, e.g. `Microsoft.Storage/storageAccounts/listKeys/action`. */
  readonly action: string;
  readonly abortSignal?: AbortSignal;
}

/**
 * Runs an SDK call with the connection's per-call options and maps whatever it throws with `mapArmError`.
 * @param spec - target, action, cancellation
 * @param call - the SDK call, given the operation options to pass on
 * @returns what the call returned
 * @throws KeySyncError from `mapArmError`
 */
export async function callArm<T>(
  spec: ArmCallSpec,
  call: (options: ArmOperationOptions) => Promise<T>,
): Promise<T> {
  const options = armOperationOptions(spec.connection, spec.abortSignal);
  try {
    return await call(options);
  } catch (err) {
    throw mapArmError(err, {
      resourceId: spec.resourceId,
      action: spec.action,
      ...(spec.abortSignal ? { abortSignal: spec.abortSignal } : {}),
      timeoutInMs: options.requestOptions.timeout,
    });
  }
}
