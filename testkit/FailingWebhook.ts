/**
 * A validating admission webhook on loopback that makes a real kube-apiserver fail Secret writes on purpose:
 * `fail` answers HTTP 500 (the apiserver then refuses the write with a 500 of its own, as it does when a
 * webhook with `failurePolicy: Fail` is broken), `hang` answers after the webhook's timeout, `allow` lets
 * everything through. Scoped by a namespace label selector to the namespaces a test names, and to Secrets with
 * aks-keysync's managed-by label, so nothing else in the cluster is affected.
 */
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { KubeConfig } from '@kubernetes/client-node';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';

import { generateTlsMaterial } from './armSimulator/generateTlsMaterial.ts';

/**
 * What the webhook does with each admission request: `deny` refuses it with {@link FailingWebhook.denyMessage}
 * (a third-party webhook that echoes the object it refuses puts Secret content in its message).
 */
export type WebhookMode = 'allow' | 'fail' | 'hang' | 'deny';

/** The label a namespace carries to be under the webhook. */
export const failingWebhookNamespaceLabel = 'keysync.dev/failing-webhook';

/** Webhook timeout registered with the apiserver (seconds); `hang` waits a little longer. */
const timeoutSeconds = 2;

/** A running webhook, registered in one cluster. */
export interface FailingWebhook {
  mode: WebhookMode;
  /** The message of a `deny` answer. */
  denyMessage: string;
  /** Admission requests seen per mode (to prove the fault was exercised). */
  readonly seen: Record<WebhookMode, number>;
  /** Puts a namespace under the webhook (label) or takes it out. */
  cover(namespace: string, covered: boolean): Promise<void>;
  /** Unregisters and stops. */
  stop(): Promise<void>;
}

/**
 * Starts the webhook and registers a ValidatingWebhookConfiguration for it in the cluster of `admin`.
 * @param admin - admin kubeconfig of the cluster
 * @param name - configuration name (unique per cluster and test)
 */
export async function startFailingWebhook(admin: KubeConfig, name: string): Promise<FailingWebhook> {
  const tls = await generateTlsMaterial('aks-keysync test webhook CA');
  const seen: Record<WebhookMode, number> = { allow: 0, fail: 0, hang: 0, deny: 0 };
  const state = { mode: 'allow' as WebhookMode, denyMessage: 'denied on purpose' };
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const mode = state.mode;
        seen[mode] += 1;
        if (mode === 'fail') {
          res.writeHead(500).end('failing on purpose');
          return;
        }
        if (mode === 'hang') await sleep((timeoutSeconds + 1) * 1000);
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
          request?: { uid?: string };
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: {
              uid: review.request?.uid ?? '',
              allowed: mode !== 'deny',
              ...(mode === 'deny' ? { status: { code: 403, message: state.denyMessage } } : {}),
            },
          }),
        );
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const api = admin.makeApiClient(AdmissionregistrationV1Api);
  const core = admin.makeApiClient(CoreV1Api);
  await api.createValidatingWebhookConfiguration({
    body: {
      metadata: { name },
      webhooks: [
        {
          name: `${name}.keysync.dev`,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          timeoutSeconds,
          clientConfig: {
            url: `https://127.0.0.1:${port}/validate`,
            caBundle: Buffer.from(tls.caPem).toString('base64'),
          },
          rules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['secrets'],
            },
          ],
          namespaceSelector: { matchLabels: { [failingWebhookNamespaceLabel]: name } },
          objectSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'aks-keysync' } },
        },
      ],
    },
  });
  return {
    get mode() {
      return state.mode;
    },
    set mode(m: WebhookMode) {
      state.mode = m;
    },
    get denyMessage() {
      return state.denyMessage;
    },
    set denyMessage(m: string) {
      state.denyMessage = m;
    },
    seen,
    async cover(namespace, covered) {
      await core.patchNamespace(
        {
          name: namespace,
          body: { metadata: { labels: { [failingWebhookNamespaceLabel]: covered ? name : null } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
    async stop() {
      await api.deleteValidatingWebhookConfiguration({ name }).catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
