import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { httpStatus } from './httpStatus.ts';
import type { OwnedWorkDir } from './ownedWorkDir.ts';
import { startComponent } from './startComponent.ts';
import type { StartedComponent } from './startComponent.ts';

/** Options of {@link startKubeApiserver}; the same options start it again on the same port and data. */
export interface StartKubeApiserverOptions {
  /** Label prefix, the control plane's name. */
  readonly name: string;
  /** Path of the kube-apiserver binary. */
  readonly kubeApiserver: string;
  /** Instance directory holding `certs/`, `tokens.csv`, `sa.pub`, `sa.key` and `logs/`. */
  readonly workDir: OwnedWorkDir;
  /** etcd client URL. */
  readonly etcdUrl: string;
  /** Secure port on 127.0.0.1. */
  readonly port: number;
  /** Token of a `system:masters` user, used for the `/readyz` probe. Never logged. */
  readonly adminToken: string;
  /** Bound of the readiness wait. */
  readonly timeoutMs: number;
  /** An audit policy file: kube-apiserver then writes JSON audit events to `auditLogPath`. */
  readonly audit?: { readonly policyFile: string; readonly logPath: string };
}

/** Files of a control plane's instance directory that kube-apiserver uses. */
export function apiserverPaths(dir: string): {
  certDir: string;
  servingCert: string;
  tokenFile: string;
  saPub: string;
  saKey: string;
} {
  const certDir = join(dir, 'certs');
  return {
    certDir,
    servingCert: join(certDir, 'apiserver.crt'),
    tokenFile: join(dir, 'tokens.csv'),
    saPub: join(dir, 'sa.pub'),
    saKey: join(dir, 'sa.key'),
  };
}

/**
 * Starts kube-apiserver on `127.0.0.1:<port>` with RBAC, static token authentication and a self-signed
 * serving certificate generated into `certs/` (kept across restarts, so clients keep trusting it), and waits
 * until `/readyz` answers 200 to the admin token over verified TLS.
 */
export async function startKubeApiserver(options: StartKubeApiserverOptions): Promise<StartedComponent> {
  const paths = apiserverPaths(options.workDir.path);
  const server = `https://127.0.0.1:${options.port}`;
  return startComponent({
    label: `${options.name}/kube-apiserver`,
    command: options.kubeApiserver,
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      `--cert-dir=${paths.certDir}`,
      `--secure-port=${options.port}`,
      '--bind-address=127.0.0.1',
      // Without a default route kube-apiserver cannot pick an address by itself.
      '--advertise-address=127.0.0.1',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      `--token-auth-file=${paths.tokenFile}`,
      `--service-account-issuer=${server}/`,
      `--service-account-key-file=${paths.saPub}`,
      `--service-account-signing-key-file=${paths.saKey}`,
      // No service-account token controller runs, so Pods could not get tokens mounted.
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      // The `kubernetes` Service cannot point at a loopback address; skip its endpoints instead of logging
      // an error every 10 s.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--shutdown-watch-termination-grace-period=2s',
      ...(options.audit
        ? [
            `--audit-policy-file=${options.audit.policyFile}`,
            `--audit-log-path=${options.audit.logPath}`,
            '--audit-log-format=json',
            // Written before the response is sent, so a reader never misses an answered request.
            '--audit-log-mode=blocking',
          ]
        : []),
    ],
    logFile: join(options.workDir.path, 'logs', 'kube-apiserver.log'),
    workDir: options.workDir,
    timeoutMs: options.timeoutMs,
    intervalMs: 100,
    isReady: async () => {
      const ca = await readFile(paths.servingCert, 'utf8');
      return (await httpStatus(`${server}/readyz`, { ca, token: options.adminToken })) === 200;
    },
  });
}
