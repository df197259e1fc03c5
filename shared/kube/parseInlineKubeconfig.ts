import { parse } from 'yaml';

import { ErrorCode, ValidationError } from '../errors.ts';

/** The only connection material a registered kubeconfig may carry: inline values, nothing to run or read. */
export interface InlineCluster {
  readonly server: string;
  /** Base64 PEM of the cluster CA (`certificate-authority-data`). */
  readonly caData?: string;
  readonly token?: string;
  /** Base64 PEM client certificate and key (`client-certificate-data`, `client-key-data`). */
  readonly certData?: string;
  readonly keyData?: string;
}

/**
 * Fields of a kubeconfig that make @kubernetes/client-node run a command, load a plugin or read a file on the
 * host that connects, with what to use instead. A registered kubeconfig runs on the function host, whose
 * identity may list keys subscription-wide: none of these is accepted.
 */
const refusedUserFields: Readonly<Record<string, string>> = {
  exec: 'exec plugins run a command on the function host; put a token or client certificate data inline',
  'auth-provider': 'auth-provider plugins run code on the function host; put a token inline',
  tokenFile: 'files on the function host cannot be referenced; put the token inline',
  'client-certificate': 'files on the function host cannot be referenced; use client-certificate-data',
  'client-key': 'files on the function host cannot be referenced; use client-key-data',
  username: 'basic authentication is not supported; use a token or client certificate data',
  password: 'basic authentication is not supported; use a token or client certificate data',
  impersonate: 'impersonation is not accepted; give the identity to use directly',
  as: 'impersonation is not accepted; give the identity to use directly',
};
const refusedClusterFields: Readonly<Record<string, string>> = {
  'certificate-authority': 'files on the function host cannot be referenced; use certificate-authority-data',
  'proxy-url': 'proxies are not accepted; the service connects to the API server directly',
  'insecure-skip-tls-verify': 'TLS verification cannot be turned off; give certificate-authority-data',
  extensions: 'extensions are not accepted',
};

type Named<T> = { name?: unknown } & T;
interface RawConfig {
  clusters?: Array<Named<{ cluster?: Record<string, unknown> }>>;
  users?: Array<Named<{ user?: Record<string, unknown> }>>;
  contexts?: Array<Named<{ context?: { cluster?: unknown; user?: unknown } }>>;
  'current-context'?: unknown;
}

/**
 * Reads the current context of a kubeconfig, accepting only inline material: server, CA data, a token or client
 * certificate data. Every exec plugin, auth-provider, file reference or TLS bypass, in any entry, is refused with
 * the field named.
 * @param yaml - the kubeconfig text
 * @param cluster - registration name, for messages
 * @throws ValidationError (`InvalidInput`) listing every refused or missing field
 */
export function parseInlineKubeconfig(yaml: string, cluster: string): InlineCluster {
  let raw: RawConfig;
  try {
    raw = (parse(yaml, { maxAliasCount: 0 }) ?? {}) as RawConfig;
  } catch {
    throw invalid(cluster, ['kubeconfig: not valid YAML']);
  }
  const problems: string[] = [];
  (raw.users ?? []).forEach((u, i) => refuse(problems, `users[${i}].user`, u.user, refusedUserFields));
  (raw.clusters ?? []).forEach((c, i) =>
    refuse(problems, `clusters[${i}].cluster`, c.cluster, refusedClusterFields),
  );
  const context = (raw.contexts ?? []).find((c) => c.name === raw['current-context'])?.context;
  const target = (raw.clusters ?? []).find((c) => c.name === context?.cluster)?.cluster ?? {};
  const user = (raw.users ?? []).find((u) => u.name === context?.user)?.user ?? {};
  if (!context) problems.push('current-context: names no context of this kubeconfig');
  const server = str(target.server);
  if (!server?.startsWith('https://')) problems.push('server: must be an https:// URL');
  const token = str(user.token);
  const certData = str(user['client-certificate-data']);
  const keyData = str(user['client-key-data']);
  if (!token && !(certData && keyData))
    problems.push('user: give a token, or client-certificate-data with client-key-data');
  if (problems.length > 0) throw invalid(cluster, problems);
  const caData = str(target['certificate-authority-data']);
  return {
    server: server ?? '',
    ...(caData ? { caData } : {}),
    ...(token ? { token } : {}),
    ...(certData && keyData ? { certData, keyData } : {}),
  };
}

function refuse(
  problems: string[],
  path: string,
  entry: Record<string, unknown> | undefined,
  refused: Readonly<Record<string, string>>,
): void {
  for (const field of Object.keys(entry ?? {})) {
    const why = refused[field];
    if (why) problems.push(`${path}.${field}: ${why}`);
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function invalid(cluster: string, problems: string[]): ValidationError {
  return new ValidationError(
    ErrorCode.InvalidInput,
    `the kubeconfig of cluster '${cluster}' is not accepted: ${problems.join('; ')}`,
    problems,
    { details: { cluster } },
  );
}
