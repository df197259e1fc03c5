/** jest global tear-down of the `integration` project: stops what `globalSetup` started. */
import { rm } from 'node:fs/promises';
import { TEST_STACK_ENV, TEST_STACK_HANDLE } from './testStack.ts';
import type { TestStackHandle } from './testStack.ts';

/** Stops the control planes and Azurite and removes the stack description. */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as Record<symbol, unknown>;
  const handle = g[TEST_STACK_HANDLE] as TestStackHandle | undefined;
  if (!handle) return;
  delete g[TEST_STACK_HANDLE];
  try {
    await handle.stack.stop();
  } finally {
    await rm(handle.dir, { recursive: true, force: true });
    handle.unregisterDir();
    delete process.env[TEST_STACK_ENV];
  }
}
