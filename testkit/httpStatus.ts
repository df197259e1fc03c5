import http from 'node:http';
import https from 'node:https';

/** Options of {@link httpStatus}. */
export interface HttpStatusOptions {
  /** PEM of the CA (or self-signed certificate) to trust for an https URL. */
  readonly ca?: string;
  /** Bearer token sent in `Authorization`. Never logged. */
  readonly token?: string;
  /** Bound of the request; 2 s by default. */
  readonly timeoutMs?: number;
}

/**
 * GETs `url` and returns the HTTP status code, or `undefined` when no HTTP answer came (connection refused,
 * TLS failure, timeout). The body is discarded.
 */
export async function httpStatus(url: string, options: HttpStatusOptions = {}): Promise<number | undefined> {
  const isHttps = url.startsWith('https:');
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return new Promise((resolve) => {
    const onResponse = (res: http.IncomingMessage): void => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(res.statusCode));
    };
    const req = isHttps
      ? https.get(url, { headers, ca: options.ca, agent: false }, onResponse)
      : http.get(url, { headers, agent: false }, onResponse);
    req.setTimeout(options.timeoutMs ?? 2_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}
