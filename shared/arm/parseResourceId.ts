import { ErrorCode, ValidationError } from '../errors.ts';

/** A parsed ARM ID of a top-level resource: `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}`. */
export interface ArmResourceId {
  /** The ID as the caller wrote it, trimmed (and without a tolerated trailing slash). */
  readonly id: string;
  /** Lower-cased ID: ARM IDs are case-insensitive, so this is the key used for lookups and indexes. */
  readonly key: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** Provider namespace as written, e.g. `Microsoft.Storage`. */
  readonly providerNamespace: string;
  /** Lower-cased `namespace/type`, e.g. `microsoft.storage/storageaccounts`. */
  readonly resourceType: string;
  readonly name: string;
}

const pattern = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)$/i;

/** How strict {@link parseResourceId} is about the spelling. */
export interface ParseResourceIdOptions {
  /**
   * Accept (and drop) one trailing slash. For IDs that machines wrote and nobody can correct, such as an Event
   * Grid event's `subject` or `data.resourceUri`: `/…/stapp/` and `/…/stapp` are the same resource to ARM.
   * Off by default, so that user-authored IDs (a KeyBinding's `spec.resourceId`) keep the one canonical
   * spelling that the CRD's schema enforces.
   */
  readonly allowTrailingSlash?: boolean;
}

/**
 * Parses and normalises the ARM ID of a top-level resource.
 * @param id - the resource ID, any casing, no trailing slash (unless `options.allowTrailingSlash`)
 * @param options - spelling tolerance
 * @returns the parsed ID; `id` and `key` never end in a slash
 * @throws ValidationError (`InvalidResourceId`) naming the input when it is not such an ID
 */
export function parseResourceId(id: string, options: ParseResourceIdOptions = {}): ArmResourceId {
  const trimmed = options.allowTrailingSlash ? id.trim().replace(/\/$/, '') : id.trim();
  const m = pattern.exec(trimmed);
  if (!m) {
    throw new ValidationError(
      ErrorCode.InvalidResourceId,
      `'${id}' is not an ARM resource ID; expected /subscriptions/<id>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>`,
      [],
      { details: { resourceId: id } },
    );
  }
  const [, subscriptionId, resourceGroup, providerNamespace, type, name] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    id: trimmed,
    key: trimmed.toLowerCase(),
    subscriptionId,
    resourceGroup,
    providerNamespace,
    resourceType: `${providerNamespace}/${type}`.toLowerCase(),
    name,
  };
}

/**
 * Whether `id` lies under `prefix`, comparing case-insensitively and on whole path segments
 * (`/subscriptions/a/resourceGroups/rg` covers `.../rg/providers/...` but not `.../rg2/...`).
 * @param id - a resource ID
 * @param prefix - a resource-ID prefix
 */
export function isUnderPrefix(id: string, prefix: string): boolean {
  const p = prefix.toLowerCase().replace(/\/+$/, '');
  const i = id.toLowerCase();
  return i === p || i.startsWith(p + '/');
}
