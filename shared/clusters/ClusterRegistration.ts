import { z } from 'zod';

import { ErrorCode, ValidationError } from '../errors.ts';
import { describeIssues } from '../describeIssues.ts';
import { parseInlineKubeconfig } from '../kube/parseInlineKubeconfig.ts';
import { dnsLabelPattern } from '../kube/names.ts';

/** One allow-list entry: bindings in namespaces matching `namespaces` may bind resources under `resourceIdPrefix`. */
export interface AllowRule {
  /** Namespace glob: `*` matches any run of characters, e.g. `team-*`, `orders`, `*`. */
  readonly namespaces: string;
  /** ARM ID prefix, matched case-insensitively on whole segments, e.g. `/subscriptions/<id>/resourceGroups/rg-orders`. */
  readonly resourceIdPrefix: string;
}

/** A cluster the service pushes Secrets into. Default deny: with no allow rules nothing is synced. */
export interface ClusterRegistration {
  /** Short unique name used in reports, indexes and watch messages. */
  readonly name: string;
  /** AKS managed cluster ARM ID (production). Exactly one of `aksResourceId` and `kubeconfig` is set. */
  readonly aksResourceId?: string | undefined;
  /** A kubeconfig (local runs and tests). */
  readonly kubeconfig?: string | undefined;
  readonly allow: readonly AllowRule[];
}

const schema = z.strictObject({
  name: z.string().regex(dnsLabelPattern, 'must be 1-63 lower-case letters, digits or -'),
  aksResourceId: z
    .string()
    .regex(/\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i, 'must be an AKS cluster ID')
    .optional(),
  kubeconfig: z.string().min(1).optional(),
  allow: z
    .array(
      z.strictObject({
        namespaces: z.string().regex(/^[a-z0-9*-]{1,63}$/, 'must be a namespace name or glob with *'),
        resourceIdPrefix: z
          .string()
          .regex(/^\/subscriptions\/[^/]+(\/.*)?$/i, 'must start with /subscriptions/<id>'),
      }),
    )
    .default([]),
});

/**
 * Validates a cluster registration (admin endpoint body, CLI input, stored entity).
 * @param raw - candidate registration
 * @returns the registration
 * @throws ValidationError (`InvalidInput`) listing every problem
 */
export function parseClusterRegistration(raw: unknown): ClusterRegistration {
  const parsed = schema.safeParse(raw);
  const problems = parsed.success ? [] : describeIssues(parsed.error);
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  if ((r.aksResourceId === undefined) === (r.kubeconfig === undefined)) {
    problems.push('aksResourceId/kubeconfig: give exactly one of aksResourceId and kubeconfig');
  }
  if (typeof r.kubeconfig === 'string') {
    try {
      parseInlineKubeconfig(r.kubeconfig, typeof r.name === 'string' ? r.name : '?');
    } catch (err) {
      const refused = (err as { problems?: readonly string[] }).problems ?? [];
      problems.push(...refused.map((p) => `kubeconfig: ${p}`));
    }
  }
  if (parsed.success && problems.length === 0) return parsed.data;
  const name = (raw as { name?: unknown } | null)?.name;
  throw new ValidationError(
    ErrorCode.InvalidInput,
    `cluster registration${typeof name === 'string' ? ` '${name}'` : ''} is invalid: ${problems.join('; ')}`,
    problems,
  );
}
