import { randomBytes } from 'node:crypto';

/** A user that authenticates to a local kube-apiserver with a static bearer token (`--token-auth-file`). */
export interface TokenUser {
  /** User name as Kubernetes sees it (`request.userInfo.username`, RBAC subjects of kind User). */
  readonly name: string;
  /** The bearer token. A secret: never log it. */
  readonly token: string;
  /** User uid; the name by default. */
  readonly uid?: string;
  /** Groups the user belongs to (`system:authenticated` is added by the apiserver). */
  readonly groups?: readonly string[];
}

/** Names of the users in {@link defaultTestUsers}. */
export const TestUserName = {
  /** The service identity of aks-keysync (the Functions app writing Secrets). */
  Service: 'keysync-service',
  /** The in-cluster watcher identity. */
  Watcher: 'keysync-watcher',
  /** A user with no RBAC rights at all, to prove 403s. */
  Nobody: 'nobody',
} as const;

/** One of {@link TestUserName}'s values. */
export type TestUserName = (typeof TestUserName)[keyof typeof TestUserName];

/** A fresh random bearer token (32 bytes, base64url). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The users the tests and the demo give a control plane: the service identity `keysync-service`, the
 * watcher `keysync-watcher` and the no-rights user `nobody`, none in any group and without any RBAC
 * binding (tests create the bindings they need). Tokens are random, generated once per process.
 */
export const defaultTestUsers: readonly TokenUser[] = Object.freeze(
  Object.values(TestUserName).map((name) => Object.freeze({ name, token: randomToken() })),
);

const SAFE_FIELD = /^[A-Za-z0-9._:@/+=-]+$/;

/**
 * Renders the CSV of kube-apiserver's `--token-auth-file`: one `token,user,uid,"group1,group2"` line per user.
 *
 * @throws when a field holds characters that would break the CSV (commas, quotes, whitespace) or a user
 *   name appears twice.
 */
export function renderTokenAuthFile(users: readonly TokenUser[]): string {
  const seen = new Set<string>();
  return users
    .map((u) => {
      if (seen.has(u.name)) throw new Error(`token user ${u.name} is listed twice`);
      seen.add(u.name);
      const uid = u.uid ?? u.name;
      const groups = u.groups ?? [];
      for (const [field, value] of [
        ['token', u.token],
        ['name', u.name],
        ['uid', uid],
        ...groups.map((g) => ['group', g]),
      ]) {
        // The message names the field and the user, never the token value.
        if (!value || !SAFE_FIELD.test(value))
          throw new Error(`token user ${u.name}: ${field} has unsupported characters`);
      }
      return `${u.token},${u.name},${uid},"${groups.join(',')}"`;
    })
    .join('\n')
    .concat('\n');
}
