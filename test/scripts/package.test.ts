import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { unzipSync } from 'fflate';

import { repoRoot } from '../../testkit/repoRoot.ts';
import { loadConfig } from '../../shared/config.ts';

/** The package, exactly: anything else (tests, sources, node_modules, local settings) is a defect. */
const EXPECTED_FILES = [
  'dist/functions/index.js',
  'dist/functions/index.js.map',
  'host.json',
  'package.json',
];

const rootPackage = readJson<{ version: string }>(join(repoRoot, 'package.json'));
const names = readJson<{ functions: Record<string, string> }>(join(repoRoot, 'infra/config/names.json'));

/** The function names registered by `app.<trigger>(name, ...)` calls in functions/*.ts. */
function registeredFunctionNames(): string[] {
  const found: string[] = [];
  const dir = join(repoRoot, 'functions');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const code = readFileSync(join(dir, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    for (const [, method = '', arg = ''] of code.matchAll(/\bapp\.(\w+)\(\s*([^,)]+)/g)) {
      if (method !== 'setup') found.push(resolveFunctionName(arg.trim(), file));
    }
  }
  return found.sort();
}

function resolveFunctionName(arg: string, file: string): string {
  const key = /^names\.functions\.(\w+)$/.exec(arg)?.[1];
  const name = key ? names.functions[key] : /^(['"])([^'"]+)\1$/.exec(arg)?.[2];
  if (!name) throw new Error(`functions/${file}: cannot resolve the function name '${arg}'`);
  return name;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** This environment minus settings that would change what the bundle does. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(KEYSYNC_|AZURE_|AzureWebJobs|NODE_OPTIONS$)/.test(k)),
  );
  return { ...env, ...extra };
}

/** Node 22 (under `npm test`, jest runs on the node@22 devDependency). */
function runNode(args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()) {
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
}

/**
 * Stands in for the Functions Node worker, which answers `require('@azure/functions-core')` by patching
 * `Module.prototype.require`: records each registration, so the bundle takes its production path.
 */
const FAKE_CORE_CJS = `
const Module = require('node:module');
globalThis.__registrations = [];
const disposable = { dispose() {} };
const core = {
  version: '3.0.0-test', hostVersion: '4.0.0-test',
  setProgrammingModel(model) { globalThis.__programmingModel = model; },
  getProgrammingModel() { return globalThis.__programmingModel; },
  registerFunction(metadata, handler) { globalThis.__registrations.push({ metadata, handler }); return disposable; },
  registerHook() { return disposable; },
  log() {},
  Disposable: class { dispose() {} },
};
Module.prototype.require = new Proxy(Module.prototype.require, {
  apply: (target, self, args) => (args[0] === '@azure/functions-core' ? core : Reflect.apply(target, self, args)),
});
`;

/**
 * Imports the bundle under the fake worker, with a fake Table endpoint (create table: 204, queries: no rows),
 * and calls the cluster admin handler's GET: configuration, the Table storage SDK and its HTTP stack run
 * inside the bundle. Prints one JSON line.
 */
const SMOKE_MJS = `
import { createServer } from 'node:http';
const [bundleUrl, clustersFunction] = process.argv.slice(2);
const server = createServer((req, res) => {
  req.resume();
  if (req.method === 'POST') res.writeHead(204).end();
  else if (req.method === 'GET') res.writeHead(200, { 'content-type': 'application/json;odata=nometadata' }).end('{"value":[]}');
  else res.writeHead(405).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
process.env.KEYSYNC_TABLES_CONNECTION_STRING =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=bm90LWEta2V5;TableEndpoint=http://127.0.0.1:' +
  server.address().port + '/devstoreaccount1;';
process.env.KEYSYNC_DEV_BEARER_TOKEN = 'package-test';
try {
  await import(bundleUrl);
  const registrations = globalThis.__registrations.map((r) => ({
    name: r.metadata.name,
    triggers: Object.values(r.metadata.bindings).map((b) => b.type).filter((t) => /Trigger$/.test(t)),
  }));
  const handler = globalThis.__registrations.find((r) => r.metadata.name === clustersFunction)?.handler;
  const logs = [];
  const log = (m) => logs.push(m);
  const context = { invocationId: 'package-test', trace: log, debug: log, info: log, warn: log, error: log };
  const request = { method: 'GET', params: {}, query: new URLSearchParams(), text: async () => '' };
  const clustersGet = handler ? await handler(request, context) : undefined;
  console.log(JSON.stringify({ registrations, clustersGet, logs }));
} finally {
  server.close();
}
`;

describe('npm run package', () => {
  let work: string;
  let outDir: string;
  let extracted: string;
  let zip: Record<string, Uint8Array>;
  let packageJson: { type?: string; main?: string; dependencies?: object; devDependencies?: object };
  let cliOutput: string;
  const expectedFunctions = registeredFunctionNames();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'keysync-package-'));
    outDir = join(work, 'out');
    const cli = runNode(['scripts/package.ts', '--out-dir', outDir], repoRoot);
    cliOutput = cli.output;
    if (cli.status !== 0) throw new Error(`npm run package failed:\n${cli.output}`);

    zip = unzipSync(readFileSync(join(outDir, `aks-keysync-${rootPackage.version}.zip`)));
    packageJson = JSON.parse(new TextDecoder().decode(zip['package.json'])) as typeof packageJson;
    extracted = join(work, 'wwwroot');
    for (const [path, data] of Object.entries(zip)) {
      await mkdir(dirname(join(extracted, path)), { recursive: true });
      await writeFile(join(extracted, path), data);
    }
  }, 60_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('finds the functions to expect in functions/*.ts, all named in names.json', () => {
    expect(expectedFunctions.length).toBeGreaterThanOrEqual(2);
    expect(Object.values(names.functions)).toEqual(expect.arrayContaining(expectedFunctions));
  });

  it('prints what it built and the zip path', () => {
    for (const file of EXPECTED_FILES) expect(cliOutput).toContain(file);
    expect(cliOutput).toMatch(/Bundled in [\d.]+ s, packaged in [\d.]+ s total/);
    expect(cliOutput).toContain(`aks-keysync-${rootPackage.version}.zip`);
    expect(existsSync(join(outDir, 'functions', 'index.js'))).toBe(true);
  });

  it('zips exactly host.json, package.json, the bundle, its lazily loaded chunks and their maps', () => {
    const entries = Object.keys(zip).sort();
    const chunks = entries.filter((e) => e.startsWith('dist/functions/chunks/'));
    expect(chunks.every((c) => /^dist\/functions\/chunks\/[\w-]+\.js(\.map)?$/.test(c))).toBe(true);
    expect(chunks.length).toBeGreaterThan(0);
    expect(entries.filter((e) => !chunks.includes(e))).toEqual(EXPECTED_FILES);
    expect(
      entries.filter((e) => /^(test|node_modules|functions|shared)\/|local\.settings|\.ts$/.test(e)),
    ).toEqual([]);
    expect(Buffer.from(zip['host.json'] ?? []).equals(readFileSync(join(repoRoot, 'host.json')))).toBe(true);
  });

  it('bundles no file of testkit/, test/ or scripts/ (the source maps name every bundled file)', () => {
    const sources = Object.entries(zip)
      .filter(([path]) => path.endsWith('.map'))
      .flatMap(([, data]) => (JSON.parse(new TextDecoder().decode(data)) as { sources: string[] }).sources);
    expect(sources.some((s) => /(^|\/)shared\/createServices\.ts$/.test(s))).toBe(true);
    const ours = sources.filter((s) => !s.includes('node_modules/'));
    expect(ours.filter((s) => /(^|\/)(testkit|test|scripts)\//.test(s))).toEqual([]);
  });

  it('ships a package.json that is ESM, names the bundle as main and has no dependencies', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.main).toBe('dist/functions/index.js');
    expect(Object.keys(zip)).toContain(packageJson.main);
    expect(packageJson.devDependencies).toBeUndefined();
    expect(packageJson.dependencies).toBeUndefined();
  });

  it('loads from the extracted zip alone and registers every function (test mode)', () => {
    const bundleUrl = pathToFileURL(join(extracted, packageJson.main ?? '')).href;
    const r = runNode(['--input-type=module', '-e', `await import(${JSON.stringify(bundleUrl)})`], extracted);
    expect(r.output).not.toMatch(/Error|Cannot find/);
    expect({ status: r.status, output: r.output }).toMatchObject({ status: 0 });
    for (const name of expectedFunctions)
      expect(r.output).toContain(`Skipping call to register function "${name}"`);
  });

  it('registers every function with the worker and runs a handler inside the bundle', async () => {
    await writeFile(join(work, 'fakeCore.cjs'), FAKE_CORE_CJS);
    await writeFile(join(work, 'smoke.mjs'), SMOKE_MJS);
    const bundleUrl = pathToFileURL(join(extracted, packageJson.main ?? '')).href;
    const clustersFunction = names.functions.clusters ?? '';
    const r = runNode(
      ['--require', join(work, 'fakeCore.cjs'), join(work, 'smoke.mjs'), bundleUrl, clustersFunction],
      extracted,
    );
    expect({ status: r.status, output: r.output }).toMatchObject({ status: 0 });
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      registrations: { name: string; triggers: string[] }[];
      clustersGet?: { status?: number; jsonBody?: unknown };
    };
    expect(result.registrations.map((x) => x.name).sort()).toEqual(expectedFunctions);
    for (const x of result.registrations) expect(x.triggers).toHaveLength(1);
    if (expectedFunctions.includes(clustersFunction))
      expect(result.clustersGet).toEqual({ status: 200, jsonBody: [] });
  });
});

describe('host.json', () => {
  const host = readJson<{
    version: string;
    functionTimeout: string;
    extensionBundle: { id: string; version: string };
    extensions: { serviceBus: { maxAutoLockRenewalDuration: string; autoCompleteMessages: boolean } };
  }>(join(repoRoot, 'host.json'));
  const seconds = (t: string) => t.split(':').reduce((s, part) => s * 60 + Number(part), 0);

  it('uses the v2 schema and the v4 extension bundle', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
  });

  it('renews a Service Bus message lock for as long as an invocation may run', () => {
    expect(host.extensions.serviceBus.autoCompleteMessages).toBe(true);
    expect(seconds(host.extensions.serviceBus.maxAutoLockRenewalDuration)).toBeGreaterThanOrEqual(
      seconds(host.functionTimeout),
    );
  });
});

describe('local.settings.sample.json', () => {
  const values = readJson<{ Values: Record<string, string> }>(
    join(repoRoot, 'local.settings.sample.json'),
  ).Values;

  it('runs the worker on Node against Azurite', () => {
    expect(values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
  });

  it('sets every KEYSYNC_ setting that shared/config.ts reads, and loadConfig accepts them', () => {
    const read = new Set(readFileSync(join(repoRoot, 'shared/config.ts'), 'utf8').match(/KEYSYNC_[A-Z_]+/g));
    // Azure's alternative to the Azurite connection string: config.ts rejects both at once.
    read.delete('KEYSYNC_TABLES_ENDPOINT');
    expect(Object.keys(values)).toEqual(expect.arrayContaining([...read]));
    expect(values).not.toHaveProperty('KEYSYNC_TABLES_ENDPOINT');
    expect(() => loadConfig(values)).not.toThrow();
  });

  it('sets no KEYSYNC_ setting that nothing reads', () => {
    const readers = [
      readFileSync(join(repoRoot, 'shared/config.ts'), 'utf8'),
      readFileSync(join(repoRoot, 'infra/config/names.json'), 'utf8'),
      ...readdirSync(join(repoRoot, 'functions'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => readFileSync(join(repoRoot, 'functions', f), 'utf8')),
    ].join('\n');
    const unread = Object.keys(values).filter((k) => k.startsWith('KEYSYNC_') && !readers.includes(k));
    expect(unread).toEqual([]);
  });
});
