import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';

import { secretOwner } from '../../shared/kube/ownership.ts';
import { generateTlsMaterial } from '../../testkit/armSimulator/generateTlsMaterial.ts';

/** What the webhook answers to the service's Secret writes in one cluster. */
export type WebhookMode = 'allow' | 'fail' | 'hang';

/** One Secret write by the service identity, as the apiserver asked the webhook about it (no data kept). */
export interface ReviewedSecretWrite {
  readonly at: number;
  readonly cluster: string;
  readonly namespace: string;
  readonly name: string;
  readonly operation: string;
  /** Whether it carried the ownership marker (managed-by label, binding-UID label, KeyBinding ownerReference). */
  readonly owned: boolean;
  /** What the webhook answered. */
  readonly mode: WebhookMode;
}

/** Name of the ValidatingWebhookConfiguration the soak registers in each cluster. */
export const webhookConfigurationName = 'keysync-soak-secret-writes';

/**
 * A validating admission webhook on loopback HTTPS (throw-away CA) that every cluster calls for Secret writes
 * by the service identity in the soak's namespaces. It plays two parts: a fault (per cluster it can answer 500,
 * or sleep past the apiserver's `timeoutSeconds`, so that with `failurePolicy: Fail` the service's Secret
 * writes fail as they would on an overloaded etcd or a broken policy engine), and a witness for invariant (c):
 * it checks every write it sees for our ownership marker. It never keeps or logs Secret data.
 */
export class SecretWriteWebhook {
  /** PEM of the CA that signed its certificate (the webhook configuration's `caBundle`). */
  readonly caPem: string;
  /** Every service Secret write reviewed so far. */
  readonly reviewed: ReviewedSecretWrite[] = [];
  readonly #server: Server;
  readonly #port: number;
  readonly #modes = new Map<string, WebhookMode>();
  readonly #stop = new AbortController();
  readonly #timeoutSeconds: number;
  readonly #serviceUser: string;

  private constructor(server: Server, caPem: string, timeoutSeconds: number, serviceUser: string) {
    this.#server = server;
    this.caPem = caPem;
    this.#port = (server.address() as AddressInfo).port;
    this.#timeoutSeconds = timeoutSeconds;
    this.#serviceUser = serviceUser;
  }

  /**
   * Starts the webhook server.
   * @param options - the service's user name, the apiserver's timeout for calls to it (seconds)
   */
  static async start(options: { serviceUser: string; timeoutSeconds: number }): Promise<SecretWriteWebhook> {
    const tls = await generateTlsMaterial('aks-keysync soak webhook CA');
    const server = createServer({ key: tls.keyPem, cert: tls.certPem });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const hook = new SecretWriteWebhook(server, tls.caPem, options.timeoutSeconds, options.serviceUser);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void hook.#review(req.url ?? '/', Buffer.concat(chunks)).then(
          ({ status, body }) => {
            if (res.destroyed) return;
            res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          },
          () => res.destroy(),
        );
      });
      res.on('error', () => undefined);
    });
    return hook;
  }

  /**
   * Sets the answer for one cluster's service Secret writes.
   * @param cluster - the cluster
   * @param mode - allow, fail (HTTP 500) or hang (past the timeout)
   */
  setMode(cluster: string, mode: WebhookMode): void {
    this.#modes.set(cluster, mode);
  }

  /**
   * The configuration to register in `cluster` (as admin): CREATE and UPDATE of Secrets by the service user in
   * namespaces labelled `namespaceLabel`, `failurePolicy: Fail`. No objectSelector on purpose: a write without
   * our label must reach the witness too.
   * @param cluster - which cluster the calls come from (part of the URL)
   * @param namespaceLabel - label key and value of the soak's namespaces
   */
  configurationFor(
    cluster: string,
    namespaceLabel: { key: string; value: string },
  ): V1ValidatingWebhookConfiguration {
    return {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: webhookConfigurationName },
      webhooks: [
        {
          name: 'secret-writes.soak.keysync.dev',
          clientConfig: {
            url: `https://127.0.0.1:${this.#port}/validate/${encodeURIComponent(cluster)}`,
            caBundle: Buffer.from(this.caPem, 'utf8').toString('base64'),
          },
          rules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['secrets'],
              scope: 'Namespaced',
            },
          ],
          namespaceSelector: { matchLabels: { [namespaceLabel.key]: namespaceLabel.value } },
          matchConditions: [
            {
              name: 'service-identity-only',
              expression: `request.userInfo.username == '${this.#serviceUser}'`,
            },
          ],
          failurePolicy: 'Fail',
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          timeoutSeconds: this.#timeoutSeconds,
        },
      ],
    };
  }

  /** Closes the server and ends pending sleeps. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #review(url: string, raw: Buffer): Promise<{ status: number; body: unknown }> {
    const cluster = decodeURIComponent(url.split('/').pop() ?? '');
    const request = parseReview(raw)?.request;
    if (!request) return { status: 400, body: { message: 'not an AdmissionReview' } };
    const mode = this.#modes.get(cluster) ?? 'allow';
    if (request.userInfo?.username === this.#serviceUser && request.kind?.kind === 'Secret') {
      this.#witness(cluster, request, mode);
    }
    if (mode === 'fail') return { status: 500, body: { message: 'soak: injected webhook failure' } };
    if (mode === 'hang') {
      await sleep((this.#timeoutSeconds + 2) * 1000, undefined, { signal: this.#stop.signal }).catch(
        () => undefined,
      );
    }
    return {
      status: 200,
      body: {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: request.uid ?? '', allowed: true },
      },
    };
  }

  #witness(cluster: string, request: AdmissionRequest, mode: WebhookMode): void {
    const meta = request.object?.metadata ?? {};
    this.reviewed.push({
      at: Date.now(),
      cluster,
      namespace: request.namespace ?? '',
      name: request.name ?? meta.name ?? '',
      operation: request.operation ?? '',
      owned: secretOwner(meta).kind === 'binding',
      mode,
    });
  }
}

function parseReview(raw: Buffer): AdmissionReview | undefined {
  try {
    return JSON.parse(raw.toString('utf8')) as AdmissionReview;
  } catch {
    return undefined;
  }
}

interface AdmissionReview {
  request?: AdmissionRequest;
}

interface AdmissionRequest {
  uid?: string;
  kind?: { kind?: string };
  namespace?: string;
  name?: string;
  operation?: string;
  userInfo?: { username?: string };
  object?: {
    metadata?: {
      name?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      ownerReferences?: Array<{ kind?: string; uid?: string; name?: string }>;
    };
  };
}
