import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root (with a trailing slash), computed from this file's location. */
export const repoRoot: string = fileURLToPath(new URL('../', import.meta.url));
