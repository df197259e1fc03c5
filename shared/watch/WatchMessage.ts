import { createHash } from 'node:crypto';

import { z } from 'zod';

import { ErrorCode, ValidationError } from '../errors.ts';
import { describeIssues } from '../describeIssues.ts';
import { dnsLabelPattern, dnsSubdomainPattern, maxDnsSubdomainLength } from '../kube/names.ts';

/** The watch message format version this code writes and reads. */
export const watchMessageVersion = 1;

/** The kinds of object a watcher reports. */
export const WatchKind = { KeyBinding: 'KeyBinding', Secret: 'Secret' } as const;
/** One of {@link WatchKind}'s values. */
export type WatchKind = (typeof WatchKind)[keyof typeof WatchKind];

/** What happened to the object, as the watcher saw it (a hint: the handler re-reads the object). */
export const WatchEventType = { Added: 'added', Modified: 'modified', Deleted: 'deleted' } as const;
/** One of {@link WatchEventType}'s values. */
export type WatchEventType = (typeof WatchEventType)[keyof typeof WatchEventType];

const v1 = z.strictObject({
  version: z.literal(watchMessageVersion),
  cluster: z.string().regex(dnsLabelPattern, 'must be a registered cluster name'),
  kind: z.enum([WatchKind.KeyBinding, WatchKind.Secret]),
  eventType: z.enum([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted]),
  namespace: z.string().regex(dnsLabelPattern, 'must be a namespace name'),
  name: z.string().max(maxDnsSubdomainLength).regex(dnsSubdomainPattern, 'must be an object name'),
  uid: z.string().min(1).max(64).optional(),
  resourceVersion: z.string().min(1).max(64),
  generation: z.number().int().nonnegative().optional(),
  /** Secrets only: the KeyBinding named by the Secret's ownership annotation or ownerReference. */
  owner: z
    .string()
    .max(maxDnsSubdomainLength)
    .regex(dnsSubdomainPattern, 'must be a KeyBinding name')
    .optional(),
  observedAt: z.iso.datetime({ offset: true }),
});

/**
 * A cluster watch message (version 1): "this KeyBinding, or this Secret owned by aks-keysync, changed in this
 * cluster". Identifiers only: never Secret data, spec or status. Messages are hints; the handler re-reads the
 * object from the cluster.
 */
export type WatchMessage = z.infer<typeof v1>;

/** The zod schema of {@link WatchMessage} (version 1), for producers that validate before sending. */
export const watchMessageSchema = v1;

/**
 * Validates a watch message as delivered by the queue (an object, a JSON string or UTF-8 bytes).
 * @param body - the message body
 * @returns the message
 * @throws ValidationError (`InvalidInput`) for anything that is not a valid version-1 message: not JSON,
 *   an unknown version, missing or malformed fields, unknown fields. Such a message is poison: retrying
 *   cannot fix it. The error lists field paths and rules, never the body's values.
 */
export function parseWatchMessage(body: unknown): WatchMessage {
  const raw = decode(body);
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw poison('the watch message is not a JSON object', ['(root): expected an object']);
  }
  if (version !== watchMessageVersion) {
    const shown =
      typeof version === 'number' || typeof version === 'string' ? String(version) : typeof version;
    throw poison(
      `unsupported watch message version ${shown.slice(0, 20)}; this service reads version ${watchMessageVersion}`,
      [`version: expected ${watchMessageVersion}`],
    );
  }
  const parsed = v1.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error);
  throw poison(`the watch message is invalid: ${problems.join('; ')}`, problems);
}

/**
 * A deterministic message ID: the same observed state of the same object always gets the same ID, so a
 * queue with duplicate detection can drop a resend.
 * @param m - the message
 */
export function watchMessageId(m: WatchMessage): string {
  const h = createHash('sha256')
    .update([m.cluster, m.kind, m.namespace, m.name, m.uid ?? '', m.resourceVersion, m.eventType].join('\0'))
    .digest('hex');
  return `${m.kind === WatchKind.Secret ? 's' : 'kb'}-${h.slice(0, 40)}`;
}

/**
 * Describes a message for log lines (identifiers only).
 * @param m - the message
 */
export function describeWatchMessage(m: WatchMessage): string {
  return `${m.kind} ${m.cluster}/${m.namespace}/${m.name} ${m.eventType} (resourceVersion ${m.resourceVersion})`;
}

function decode(body: unknown): unknown {
  const text =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? Buffer.from(body).toString('utf8')
        : undefined;
  if (text === undefined) return body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw poison('the watch message is not valid JSON', ['(root): not JSON']);
  }
}

function poison(message: string, problems: string[]): ValidationError {
  return new ValidationError(ErrorCode.InvalidInput, message, problems);
}
