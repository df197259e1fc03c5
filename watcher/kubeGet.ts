import type { IncomingMessage } from 'node:http';
import https from 'node:https';

import type { KubeConfig } from '@kubernetes/client-node';

/** Media types of the metadata-only API: the apiserver answers PartialObjectMetadata(List), never `data`. */
export const metadataAccept = {
  list: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
  watch: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1',
} as const;

/** An HTTP error from the apiserver: `statusCode` and the Status `reason`/`message` (never a body). */
export class KubeHttpError extends Error {
  readonly statusCode: number;
  readonly reason: string | undefined;

  constructor(what: string, statusCode: number, status: { reason?: string; message?: string } | undefined) {
    super(`${what}: HTTP ${statusCode}${status?.message ? `: ${status.message.slice(0, 300)}` : ''}`);
    this.name = 'KubeHttpError';
    this.statusCode = statusCode;
    this.reason = status?.reason;
  }
}

/** What {@link openKubeGet} asks for. */
export interface KubeGetRequest {
  /** Query parameters (undefined ones are left out). */
  readonly query: Readonly<Record<string, string | number | boolean | undefined>>;
  /** One of {@link metadataAccept}. */
  readonly accept: (typeof metadataAccept)[keyof typeof metadataAccept];
  /** Aborts the request. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Opens a GET against the current cluster of `kc` with its TLS settings and credentials (token, token file,
 * client certificate, exec plugin) and the given Accept header. The response is returned as it streams in.
 * Only the metadata media types of {@link metadataAccept} are sent, with no fallback: an apiserver that cannot
 * serve metadata fails the request instead of sending whole objects.
 * @param kc - the watcher's KubeConfig
 * @param path - API path, e.g. `/api/v1/secrets`
 * @param request - query, media type, abort signal
 */
export async function openKubeGet(
  kc: KubeConfig,
  path: string,
  request: KubeGetRequest,
): Promise<IncomingMessage> {
  const { query, accept, signal } = request;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the watcher KubeConfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  const options: https.RequestOptions = { method: 'GET', headers: { Accept: accept } };
  await kc.applyToHTTPSOptions(options);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = https.request(url, { ...options, ...(signal ? { signal } : {}) }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/**
 * Reads a whole response body as JSON (bounded).
 * @param res - the response
 * @param limitInBytes - larger bodies are refused
 */
export async function readJson(res: IncomingMessage, limitInBytes = 64 * 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    size += (chunk as Buffer).length;
    if (size > limitInBytes) {
      res.destroy();
      throw new Error(`response larger than ${limitInBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Turns a non-200 response into a {@link KubeHttpError} carrying the apiserver's Status reason and message.
 * @param what - what was requested, for the message
 * @param res - the response
 */
export async function kubeHttpError(what: string, res: IncomingMessage): Promise<KubeHttpError> {
  const status = (await readJson(res, 64 * 1024).catch(() => undefined)) as
    { reason?: string; message?: string } | undefined;
  return new KubeHttpError(what, res.statusCode ?? 0, typeof status === 'object' ? status : undefined);
}
