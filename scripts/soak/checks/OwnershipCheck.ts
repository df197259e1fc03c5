import type { AuditLogReader } from '../../../testkit/AuditLogReader.ts';
import type { SecretWriteWebhook } from '../SecretWriteWebhook.ts';
import type { Violations } from '../Violations.ts';

/**
 * Invariant (c): the service identity never writes a Secret without the ownership marker. Two witnesses: the
 * soak's admission webhook sees the object of every service Secret CREATE/UPDATE in the soak's namespaces and
 * checks its marker (managed-by label, binding-UID label, matching KeyBinding ownerReference); the apiservers'
 * audit logs (Metadata level) show every service Secret write, including those the ownership admission policy
 * refused before any webhook saw them. An attempt counts even when refused.
 */
export class OwnershipCheck {
  readonly #webhook: SecretWriteWebhook;
  readonly #audits: readonly AuditLogReader[];
  readonly #violations: Violations;
  readonly #serviceUser: string;
  #reviewed = 0;
  /** Service Secret writes audited, by outcome. */
  readonly audited = { total: 0, succeeded: 0, failed: 0 };
  /** Service Secret writes the webhook reviewed. */
  reviewed = 0;

  constructor(
    webhook: SecretWriteWebhook,
    audits: readonly AuditLogReader[],
    violations: Violations,
    serviceUser: string,
  ) {
    this.#webhook = webhook;
    this.#audits = audits;
    this.#violations = violations;
    this.#serviceUser = serviceUser;
  }

  /** Reads what the witnesses saw since the last call. */
  poll(): void {
    const fresh = this.#webhook.reviewed.slice(this.#reviewed);
    this.#reviewed += fresh.length;
    this.reviewed = this.#reviewed;
    for (const w of fresh) {
      if (w.owned) continue;
      this.#violations.add(
        'c',
        `${w.cluster}/${w.namespace}/${w.name}: ${w.operation} by the service without the ownership marker`,
        `${w.cluster}/${w.namespace}/${w.name}/${w.at}`,
        w.at,
      );
    }
    for (const reader of this.#audits) {
      for (const a of reader.read()) {
        if (a.user !== this.#serviceUser) continue;
        this.audited.total += 1;
        if (a.code >= 200 && a.code < 300) this.audited.succeeded += 1;
        else this.audited.failed += 1;
        if (a.refusedByOwnershipPolicy) {
          this.#violations.add(
            'c',
            `${a.cluster}/${a.namespace}/${a.name}: ${a.verb} by the service refused by the ownership policy (${a.code})`,
            `${a.cluster}/${a.namespace}/${a.name}/${a.at}/${a.verb}`,
            a.at,
          );
        }
      }
    }
  }
}
