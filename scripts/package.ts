/**
 * `npm run package [-- --out-dir <dir>]`: builds the deployable function app. esbuild bundles
 * `functions/index.ts` and everything it imports (the Azure SDKs, @kubernetes/client-node, yaml, zod,
 * @azure/functions) into one ESM file, so the package has no node_modules, no install step and no remote
 * build. The zip holds `host.json`, a minimal `package.json` whose `main` names the bundle, the bundle and its
 * source map: the file `az functionapp deployment source config-zip` (Flex Consumption one-deploy) takes.
 * See docs/host-json.md.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Command } from 'commander';
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import { zipSync } from 'fflate';
import type { Zippable } from 'fflate';

/** Path of the bundle inside the package; the package's `package.json` `main` names it. */
export const BUNDLE_PATH = 'dist/functions/index.js';

/** Every file the package holds, in zip order. */
/** Files every package has; the bundle's lazily loaded chunks (`dist/functions/chunks/`) come on top. */
export const PACKAGE_FILES = ['host.json', 'package.json', BUNDLE_PATH, `${BUNDLE_PATH}.map`] as const;

/**
 * Bare module names the bundle may still `require()` at run time, and why. Anything else that esbuild leaves
 * external (other than a Node built-in) fails the build: the package has no node_modules to find it in.
 */
export const ALLOWED_EXTERNALS: Readonly<Record<string, string>> = {
  '@azure/functions-core': 'provided by the Functions Node worker, which intercepts require() of this name',
  bufferutil: 'optional native accelerator of ws, required inside try/catch',
  'utf-8-validate': 'optional native accelerator of ws, required inside try/catch',
};

/**
 * Gives the ESM bundle a CommonJS `require` for the bundled CommonJS packages' `require()` calls (Node
 * built-ins and `@azure/functions-core`). `createRequire` goes through `Module.prototype.require`, which is
 * what the Functions worker patches to provide `@azure/functions-core`.
 */
const REQUIRE_BANNER =
  "import { createRequire as __keysyncCreateRequire } from 'node:module';\n" +
  'const require = __keysyncCreateRequire(import.meta.url);';

/** Fixed modification time of every zip entry (local time), so the same input gives the same zip bytes. */
const ZIP_MTIME = new Date(2000, 0, 1);
/** External attributes of a zip entry made on Unix: a regular file, mode 0644. */
const ZIP_FILE_ATTRS = (0o100644 << 16) >>> 0;
const ZIP_OS_UNIX = 3;

/** Options of {@link buildPackage}. */
export interface PackageOptions {
  /** Where the bundle and the zip go (default `<root>/dist`); created if missing. */
  readonly outDir?: string;
  /** The repository root (default: the parent of this script's folder). */
  readonly root?: string;
}

/** One file of the package. */
export interface PackagedFile {
  /** Path inside the zip. */
  readonly path: string;
  /** Uncompressed size in bytes. */
  readonly bytes: number;
}

/** What {@link buildPackage} wrote. */
export interface PackageResult {
  /** Absolute path of the zip. */
  readonly zipPath: string;
  /** Size of the zip in bytes. */
  readonly zipBytes: number;
  /** Absolute path of the bundle on disk (also in the zip as {@link BUNDLE_PATH}). */
  readonly bundlePath: string;
  /** The zip's entries. */
  readonly files: readonly PackagedFile[];
  /** Time spent in esbuild, milliseconds. */
  readonly bundleMs: number;
  /** Total time, milliseconds. */
  readonly totalMs: number;
}

/** The fields of the repository's package.json that the package's own package.json copies. */
export interface RootPackageJson {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly license?: string;
  readonly engines?: Record<string, string>;
}

/**
 * Bundles the function app and writes `<outDir>/functions/index.js` (+ `.map`) and
 * `<outDir>/aks-keysync-<version>.zip`.
 * @param options - output folder and repository root
 * @returns the zip's path, its entries and sizes, and the time taken
 * @throws Error when esbuild fails or the bundle needs a module the package cannot provide
 */
export async function buildPackage(options: PackageOptions = {}): Promise<PackageResult> {
  const started = performance.now();
  const root = resolve(options.root ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const outDir = resolve(root, options.outDir ?? 'dist');
  const rootPackage = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as RootPackageJson;

  const bundleStarted = performance.now();
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['functions/index.ts'],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // Laid out as in the package, so the map's paths and `//# sourceMappingURL` are the same wherever the
    // files are written; written below, not by esbuild. Code splitting: what the composition root imports
    // lazily (SDK clients, the Kubernetes client) becomes chunks loaded on the first invocation, so the host
    // finishes indexing the functions sooner (see docs/benchmarks.md, cold start).
    outdir: dirname(BUNDLE_PATH),
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    write: false,
    external: Object.keys(ALLOWED_EXTERNALS),
    banner: { js: REQUIRE_BANNER },
    // Whitespace and syntax only: identifiers keep their names, so stack traces stay readable without the map.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  const bundleMs = performance.now() - bundleStarted;
  checkExternals(result.metafile);
  checkInputs(result.metafile);

  const contents = new Map<string, Uint8Array>([
    ['host.json', await readFile(join(root, 'host.json'))],
    [
      'package.json',
      new TextEncoder().encode(`${JSON.stringify(deployedPackageJson(rootPackage), null, 2)}\n`),
    ],
  ]);
  for (const file of result.outputFiles) contents.set(relative(root, file.path), file.contents);

  const functionsDir = join(outDir, 'functions');
  await rm(functionsDir, { recursive: true, force: true });
  await mkdir(functionsDir, { recursive: true });
  const bundlePath = join(functionsDir, 'index.js');
  const outputs = result.outputFiles.map((f) => relative(root, f.path)).sort();
  for (const path of outputs) {
    const target = join(outDir, relative(dirname(dirname(BUNDLE_PATH)), path));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, entry(contents, path));
  }
  const files = [...new Set([...PACKAGE_FILES, ...outputs])].sort();

  const zippable: Zippable = {};
  for (const path of files)
    zippable[path] = [entry(contents, path), { mtime: ZIP_MTIME, os: ZIP_OS_UNIX, attrs: ZIP_FILE_ATTRS }];
  const zip = zipSync(zippable, { level: 6 });
  const zipPath = join(outDir, `${rootPackage.name}-${rootPackage.version}.zip`);
  await writeFile(zipPath, zip);

  return {
    zipPath,
    zipBytes: zip.byteLength,
    bundlePath,
    files: files.map((path) => ({ path, bytes: entry(contents, path).byteLength })),
    bundleMs,
    totalMs: performance.now() - started,
  };
}

/**
 * The package's own `package.json`: ESM, `main` = the bundle, and no dependencies of any kind (everything is
 * in the bundle), so neither the platform nor a remote build installs anything.
 * @param rootPackage - the repository's package.json
 */
export function deployedPackageJson(rootPackage: RootPackageJson): Record<string, unknown> {
  return {
    name: rootPackage.name,
    version: rootPackage.version,
    ...(rootPackage.description ? { description: rootPackage.description } : {}),
    private: true,
    ...(rootPackage.license ? { license: rootPackage.license } : {}),
    type: 'module',
    main: BUNDLE_PATH,
    ...(rootPackage.engines ? { engines: rootPackage.engines } : {}),
  };
}

function entry(contents: ReadonlyMap<string, Uint8Array>, path: string): Uint8Array {
  const data = contents.get(path);
  if (!data) throw new Error(`package: esbuild produced no ${path}`);
  return data;
}

function checkExternals(metafile: Metafile): void {
  const unexpected = new Set<string>();
  for (const output of Object.values(metafile.outputs))
    for (const i of output.imports)
      if (i.external && !isBuiltin(i.path) && !(i.path in ALLOWED_EXTERNALS)) unexpected.add(i.path);
  if (unexpected.size > 0)
    throw new Error(
      `package: the bundle would require modules the package does not contain: ${[...unexpected].join(', ')}`,
    );
}

/** Folders of test machinery and entry points: the function app must never bundle a file from them. */
export const FORBIDDEN_INPUT_FOLDERS = ['testkit/', 'test/', 'scripts/'] as const;

/** Fails the build when the bundle took in a file of {@link FORBIDDEN_INPUT_FOLDERS} (the simulator, say). */
function checkInputs(metafile: Metafile): void {
  const forbidden = Object.keys(metafile.inputs).filter((path) =>
    FORBIDDEN_INPUT_FOLDERS.some((folder) => path.startsWith(folder)),
  );
  if (forbidden.length > 0)
    throw new Error(`package: the function app imports test machinery or scripts: ${forbidden.join(', ')}`);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}

if (import.meta.main) {
  const program = new Command()
    .name('npm run package --')
    .description('Bundle the function app into a self-contained zip for Flex Consumption (config-zip).')
    .option('--out-dir <dir>', 'where the bundle and the zip go', 'dist')
    .parse();
  const opts = program.opts<{ outDir: string }>();
  try {
    const r = await buildPackage({ outDir: resolve(opts.outDir) });
    const width = Math.max(...r.files.map((f) => f.path.length));
    console.log('Package contents:');
    for (const f of r.files) console.log(`  ${f.path.padEnd(width)}  ${formatBytes(f.bytes).padStart(10)}`);
    console.log(
      `Bundled in ${(r.bundleMs / 1000).toFixed(1)} s, packaged in ${(r.totalMs / 1000).toFixed(1)} s total.`,
    );
    console.log(`Wrote ${relative(process.cwd(), r.zipPath) || r.zipPath} (${formatBytes(r.zipBytes)})`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}
