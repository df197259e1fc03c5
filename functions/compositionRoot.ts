import { loadConfig } from '../shared/config.ts';
import type { Services } from '../shared/createServices.ts';
import { createServices } from '../shared/createServices.ts';

/** Supplies the services to a handler (lazily, once per process). */
export type ServicesProvider = () => Promise<Services>;

let services: Promise<Services> | undefined;

/**
 * The function app's composition root: reads the configuration once, on first use, and builds the services.
 * A configuration error is not cached, so fixing an app setting needs no restart beyond the platform's.
 */
export const getServices: ServicesProvider = () =>
  (services ??= Promise.resolve()
    .then(() => createServices(loadConfig()))
    .catch((err: unknown) => {
      services = undefined;
      throw err;
    }));
