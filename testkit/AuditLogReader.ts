import { closeSync, existsSync, openSync, readSync } from 'node:fs';

import { z } from 'zod';

/** A Secret write request the apiserver audited (Metadata level: who, what, outcome; never the body). */
export interface AuditedSecretWrite {
  readonly at: number;
  readonly cluster: string;
  readonly user: string;
  readonly verb: string;
  readonly namespace: string;
  readonly name: string;
  readonly code: number;
  /** Refused by the Secret ownership admission policy (infra/k8s/secret-ownership-policy.yaml). */
  readonly refusedByOwnershipPolicy: boolean;
}

/** Name of the ownership ValidatingAdmissionPolicy, as it appears in refusals. */
const ownershipPolicy = 'aks-keysync-owned-secrets-only';

/**
 * The audit policy the soak starts its apiservers with: Metadata level (no request or response bodies, so no
 * Secret data reaches the file) for Secret writes by `serviceUser`, nothing else.
 * @param serviceUser - the service identity's user name
 */
export function secretWriteAuditPolicy(serviceUser: string): string {
  return [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: [RequestReceived]',
    'rules:',
    '  - level: Metadata',
    `    users: [${serviceUser}]`,
    "    resources: [{ group: '', resources: [secrets] }]",
    '    verbs: [create, update, patch, delete]',
    '  - level: None',
    '',
  ].join('\n');
}

/**
 * Reads a kube-apiserver JSON audit log incrementally (the file survives apiserver restarts; each call returns
 * the complete lines written since the previous one).
 */
export class AuditLogReader {
  readonly #cluster: string;
  readonly #path: string;
  #offset = 0;
  #partial = '';

  constructor(cluster: string, path: string) {
    this.#cluster = cluster;
    this.#path = path;
  }

  /** Secret writes audited since the last call. */
  read(): AuditedSecretWrite[] {
    if (!existsSync(this.#path)) return [];
    const fd = openSync(this.#path, 'r');
    const chunks: Buffer[] = [];
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.#offset);
        if (n <= 0) break;
        this.#offset += n;
        chunks.push(Buffer.from(buf.subarray(0, n)));
      }
    } finally {
      closeSync(fd);
    }
    const text = this.#partial + Buffer.concat(chunks).toString('utf8');
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    return lines.flatMap((l) => this.#parse(l));
  }

  #parse(line: string): AuditedSecretWrite[] {
    const e = parseEvent(line);
    if (e?.stage !== 'ResponseComplete' || e.objectRef.resource !== 'secrets') return [];
    return [
      {
        at: Date.parse(e.stageTimestamp) || Date.now(),
        cluster: this.#cluster,
        user: e.user.username,
        verb: e.verb,
        namespace: e.objectRef.namespace,
        name: e.objectRef.name,
        code: e.responseStatus.code,
        refusedByOwnershipPolicy: JSON.stringify([e.responseStatus.message, e.annotations]).includes(
          ownershipPolicy,
        ),
      },
    ];
  }
}

const text = z.string().default('');
/** The fields of an audit event the soak reads (everything else is ignored). */
const auditEvent = z.object({
  stage: text,
  verb: text,
  stageTimestamp: text,
  user: z.object({ username: text }).prefault({}),
  objectRef: z.object({ resource: text, namespace: text, name: text }).prefault({}),
  responseStatus: z.object({ code: z.number().default(0), message: text }).prefault({}),
  annotations: z.record(z.string(), z.string()).default({}),
});

function parseEvent(line: string): z.infer<typeof auditEvent> | undefined {
  if (!line.trim()) return undefined;
  try {
    const parsed = auditEvent.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
