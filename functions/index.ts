/**
 * Entry point of the function app: importing each trigger module registers it with the Functions host.
 */
import { app } from './azureFunctions.ts';

import './resync.ts';
import './clusters.ts';

app.setup({ enableHttpStream: false });
