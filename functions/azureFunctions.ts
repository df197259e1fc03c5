/**
 * The @azure/functions runtime values, loaded once. The package is a CommonJS bundle whose classes Node's
 * ESM loader cannot see as named exports, so they are read from the namespace's default export (with a
 * fallback for loaders that expose them directly). Types come from the package as usual.
 */
import * as azureFunctions from '@azure/functions';

type Lib = typeof azureFunctions;
const lib: Lib = (azureFunctions as unknown as { default?: Lib }).default ?? azureFunctions;

/** Function registration (`app.http`, `app.eventGrid`, `app.serviceBusQueue`, `app.timer`). */
export const app: Lib['app'] = lib.app;
/** Invocation context class (tests construct it with a `logHandler`). */
export const InvocationContext: Lib['InvocationContext'] = lib.InvocationContext;
/** HTTP request class (tests construct requests with it). */
export const HttpRequest: Lib['HttpRequest'] = lib.HttpRequest;
