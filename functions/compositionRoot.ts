import type { Services } from '../shared/createServices.ts';

/** Supplies the services to a handler (lazily, once per process). */
export type ServicesProvider = () => Promise<Services>;

let services: Promise<Services> | undefined;

/**
 * The function app's composition root: reads the configuration once, on first use, and builds the services.
 * A configuration error is not cached, so fixing an app setting needs no restart beyond the platform's.
 * The engine's heavy dependencies (Azure SDK clients, the Kubernetes client) are imported here, lazily: the
 * host indexes the functions without loading them, and the first invocation pays for them once.
 */
export const getServices: ServicesProvider = () =>
  (services ??= Promise.all([import('../shared/config.ts'), import('../shared/createServices.ts')])
    .then(([{ loadConfig }, { createServices }]) => createServices(loadConfig()))
    .catch((err: unknown) => {
      services = undefined;
      throw err;
    }));
