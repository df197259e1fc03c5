import { setTimeout as sleep } from 'node:timers/promises';

import type { InvocationContext, Timer } from '@azure/functions';

import names from '../infra/config/names.json' with { type: 'json' };
import { runResync } from '../shared/resync/runResync.ts';
import { app } from './azureFunctions.ts';
import type { ServicesProvider } from './compositionRoot.ts';
import { getServices } from './compositionRoot.ts';
import { contextLogger } from './contextLogger.ts';

/**
 * The safety net: a full resync of every registered cluster on a schedule (`KEYSYNC_RESYNC_SCHEDULE`, hourly by
 * default), because events are at-least-once, unordered and can be lost. It rebuilds the binding index,
 * fetches each resource once and paces listKeys through the per-subscription write budget. A random delay of
 * up to `maxJitterInMs` spreads several deployments' runs.
 * @param services - the composition root (tests pass their own)
 * @param maxJitterInMs - upper bound of the random start delay (default 30 s)
 */
export function createScheduledResyncHandler(
  services: ServicesProvider = getServices,
  maxJitterInMs = 30_000,
) {
  return async (_timer: Timer, context: InvocationContext): Promise<void> => {
    const logger = contextLogger(context);
    await sleep(Math.floor(Math.random() * maxJitterInMs));
    const report = await runResync((await services()).engineDeps(logger), {});
    const failed = report.totals.error + report.totals.conflict;
    logger.info(
      { bindings: report.bindings.length, failed, clusterFailures: report.clusterFailures.length },
      'scheduled resync done',
    );
  };
}

app.timer(names.functions.scheduledResync, {
  schedule: '%KEYSYNC_RESYNC_SCHEDULE%',
  runOnStartup: false,
  handler: createScheduledResyncHandler(),
});
