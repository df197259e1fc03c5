/**
 * Entry point of the function app: importing each trigger module registers it with the Functions host.
 */
import { app } from './azureFunctions.ts';

import './clusters.ts';
import './onArmEvent.ts';
import './onClusterWatchEvent.ts';
import './resync.ts';
import './scheduledResync.ts';

app.setup({ enableHttpStream: false });
