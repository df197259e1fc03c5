import { request } from 'node:https';
import type { ArmSimulator } from '../../../testkit/armSimulator/ArmSimulator.ts';

/** A raw response from the simulator. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body (undefined when empty or not JSON). */
  json: unknown;
}

/** Options of {@link rawArmRequest}. */
export interface RawRequestOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <token>`; omit to send none. */
  token?: string;
  /** Raw Authorization header (overrides token). */
  authorization?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Sends one HTTPS request to the simulator without any SDK (to check status codes, headers and bodies).
 * @param sim - the simulator (its CA is trusted for this request only)
 * @param pathAndQuery - e.g. `/subscriptions/.../listKeys?api-version=2025-06-01`
 * @param options - method, auth, body
 */
export function rawArmRequest(
  sim: ArmSimulator,
  pathAndQuery: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const url = new URL(pathAndQuery, sim.url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.authorization ?? (options.token ? `Bearer ${options.token}` : undefined);
  if (auth) headers.authorization = auth;
  if (body) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', ca: sim.caPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseOrUndefined(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function parseOrUndefined(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}
