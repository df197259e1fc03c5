import { z } from 'zod';

import { ErrorCode, ValidationError } from '../errors.ts';
import type { KeyBinding } from './KeyBinding.ts';
import { describeIssues } from '../describeIssues.ts';
import { dnsSubdomainPattern } from '../kube/names.ts';

const dataKey = /^[-._a-zA-Z0-9]+$/;
/**
 * Kubernetes refuses `.`, `..` and any key starting with `..` as Secret data keys (they would be path
 * components once the Secret is mounted as a volume). The CRD refuses them too; same wording there.
 */
const reservedDataKeyMessage =
  "must not be '.' or start with '..' (Kubernetes refuses such Secret data keys)";

const destination = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(253)
    .regex(dnsSubdomainPattern, 'must be a DNS subdomain (lower case, digits, - and .)'),
  key: z
    .string()
    .min(1)
    .max(253)
    .regex(dataKey, 'may only hold letters, digits, -, _ and .')
    .refine((k) => k !== '.' && !k.startsWith('..'), {
      message: reservedDataKeyMessage,
    }),
});

const schema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1),
    uid: z.string().min(1),
    generation: z.number().int().nonnegative().default(1),
    creationTimestamp: z.union([z.string(), z.date()]).optional(),
  }),
  spec: z.object({
    resourceId: z.string().min(1).max(1024),
    secrets: z
      .record(z.string().min(1), destination)
      .refine((m) => Object.keys(m).length > 0, 'must map at least one value'),
  }),
  status: z
    .object({
      secrets: z.array(z.object({ name: z.string() }).loose()).optional(),
      conditions: z
        .array(
          z
            .object({
              type: z.string(),
              status: z.string(),
              reason: z.string().default(''),
              lastTransitionTime: z.string().optional(),
            })
            .loose(),
        )
        .optional(),
    })
    .loose()
    .optional(),
});

/**
 * Validates a KeyBinding object read from a cluster (the CRD schema should already have rejected malformed
 * specs; this catches anything that slipped through, e.g. a CRD installed without its schema).
 * @param raw - the custom object as returned by the Kubernetes API
 * @param cluster - the registered cluster it came from
 * @returns the binding
 * @throws ValidationError (`InvalidBinding`) listing every problem, naming the binding
 */
export function parseKeyBinding(raw: unknown, cluster: string): KeyBinding {
  const parsed = schema.safeParse(raw);
  const meta = (raw as { metadata?: { namespace?: string; name?: string } } | undefined)?.metadata;
  const label = `${cluster}/${meta?.namespace ?? '?'}/${meta?.name ?? '?'}`;
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw invalid(label, problems);
  }
  const { metadata, spec, status } = parsed.data;
  const problems = duplicateDestinations(spec.secrets);
  if (problems.length > 0) throw invalid(label, problems);
  const created = metadata.creationTimestamp;
  return {
    cluster,
    namespace: metadata.namespace,
    name: metadata.name,
    uid: metadata.uid,
    generation: metadata.generation,
    creationTimestamp: created instanceof Date ? created.toISOString() : (created ?? ''),
    resourceId: spec.resourceId.trim(),
    secrets: spec.secrets,
    previouslyOwnedSecrets: (status?.secrets ?? []).map((s) => s.name),
    ...readyOf(status?.conditions),
  };
}

function readyOf(
  conditions:
    { type: string; status: string; reason: string; lastTransitionTime?: string | undefined }[] | undefined,
) {
  const c = conditions?.find((x) => x.type === 'Ready');
  if (!c) return {};
  return {
    ready: {
      status: c.status,
      reason: c.reason,
      ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
    },
  };
}

function invalid(label: string, problems: string[]): ValidationError {
  return new ValidationError(
    ErrorCode.InvalidBinding,
    `KeyBinding ${label} is invalid: ${problems.join('; ')}`,
    problems,
    { details: { binding: label } },
  );
}

/** One binding mapping two values to the same Secret name and key is rejected. */
function duplicateDestinations(secrets: Record<string, { name: string; key: string }>): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  for (const [value, dest] of Object.entries(secrets)) {
    const target = `${dest.name}/${dest.key}`;
    const first = seen.get(target);
    if (first) problems.push(`spec.secrets.${value}: maps to ${target}, which ${first} already uses`);
    else seen.set(target, value);
  }
  return problems;
}
