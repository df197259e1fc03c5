import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import { parseResyncRequest } from '../shared/resync/parseResyncRequest.ts';
import { runResync } from '../shared/resync/runResync.ts';
import names from '../infra/config/names.json' with { type: 'json' };
import { app } from './azureFunctions.ts';
import type { ServicesProvider } from './compositionRoot.ts';
import { getServices } from './compositionRoot.ts';
import { contextLogger } from './contextLogger.ts';
import { httpErrorResponse } from './httpErrorResponse.ts';
import { readJsonBody } from './readJsonBody.ts';

/**
 * `POST /api/resync`: forces a resync, optionally filtered by `cluster`, `namespace`, `resourceId`, with
 * `dryRun`. Answers a JSON report per binding (created / updated / unchanged / conflict / error, and why).
 * @param services - the composition root (tests pass their own)
 */
export function createResyncHandler(services: ServicesProvider = getServices) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const logger = contextLogger(context);
    try {
      // `code` is the Functions host's own function-key parameter (`?code=<key>`), not part of the request.
      const query = Object.fromEntries([...request.query.entries()].filter(([k]) => k !== 'code'));
      const input = parseResyncRequest(await readJsonBody(request), query);
      const report = await runResync({ ...(await services()).engineDeps(logger) }, input);
      return { status: 200, jsonBody: report };
    } catch (err) {
      return httpErrorResponse(err, logger);
    }
  };
}

app.http(names.functions.resync, {
  methods: ['POST'],
  authLevel: 'function',
  route: names.httpRoutes.resync,
  handler: createResyncHandler(),
});
