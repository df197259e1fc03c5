/**
 * Start/stop discipline of the local stack: a throwaway control plane restarts with its data and leaves no
 * process behind; an owner process that ends in any way (signal, exit, uncaught exception) takes its
 * children with it; children orphaned by an owner killed with SIGKILL are reaped by the next start.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startAzurite } from '../../testkit/Azurite.ts';
import { startControlPlane } from '../../testkit/ControlPlane.ts';
import type { ControlPlane } from '../../testkit/ControlPlane.ts';
import { ensureKubeBinaries } from '../../testkit/kubeBinaries.ts';
import type { KubeBinaries } from '../../testkit/kubeBinaries.ts';
import { reapOrphans } from '../../testkit/ownedWorkDir.ts';
import { isProcessRunning } from '../../testkit/processInfo.ts';
import { trackedProcessGroups } from '../../testkit/processRegistry.ts';
import { repoRoot } from '../../testkit/repoRoot.ts';
import { spawnManaged } from '../../testkit/spawnManaged.ts';
import type { ManagedProcess } from '../../testkit/spawnManaged.ts';
import { defaultTestUsers } from '../../testkit/TokenUser.ts';
import { waitFor } from '../../testkit/waitFor.ts';
import { AuditLogReader, secretWriteAuditPolicy } from '../../testkit/AuditLogReader.ts';

let root: string;
let binaries: KubeBinaries;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'aks-keysync-lifecycle-'));
  binaries = await ensureKubeBinaries({ onProgress: () => undefined });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Every pid is gone within a bound (zombies count as gone). */
async function allGone(pids: readonly number[]): Promise<boolean> {
  return waitFor(() => (pids.every((pid) => !isProcessRunning(pid)) ? true : undefined), {
    what: `exit of ${pids.join(', ')}`,
    timeoutMs: 10_000,
  }).catch(() => false);
}

describe('a throwaway control plane', () => {
  it('keeps its data and audit log across restart() and leaves no process or directory after stop()', async () => {
    const cp: ControlPlane = await startControlPlane({
      name: 'lifecycle',
      binaries,
      users: defaultTestUsers,
      controllerManager: binaries.controllerManagerAvailable,
      workDir: root,
      auditPolicy: secretWriteAuditPolicy('admin'),
    });
    const before = cp.pids();
    const pids = [before.etcd, before.kubeApiserver, before.kubeControllerManager].filter(
      (p): p is number => p !== undefined,
    );
    try {
      expect(pids.every((pid) => isProcessRunning(pid))).toBe(true);
      expect(cp.timings.apiserverReadyMs).toBeGreaterThan(0);
      const kc = new KubeConfig();
      kc.loadFromString(cp.kubeconfigYaml('admin'));
      const core = kc.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: 'kept' } } });
      await core.createNamespacedConfigMap({
        namespace: 'kept',
        body: { metadata: { name: 'survivor' }, data: { a: '1' } },
      });

      const audit = new AuditLogReader('lifecycle', cp.auditLogPath ?? '');
      const secret = { metadata: { name: 'audited' }, stringData: { k: 'v' } };
      await core.createNamespacedSecret({ namespace: 'kept', body: secret });

      await cp.restart();

      await core.deleteNamespacedSecret({ namespace: 'kept', name: 'audited' });
      const audited = audit.read().filter((a) => a.name === 'audited');
      expect(audited.map((a) => [a.user, a.verb, a.code])).toEqual([
        ['admin', 'create', 201],
        ['admin', 'delete', 200],
      ]);
      expect(cp.pids().etcd).toBe(before.etcd);
      expect(cp.pids().kubeApiserver).not.toBe(before.kubeApiserver);
      expect(isProcessRunning(before.kubeApiserver)).toBe(false);
      // Same server, same certificate, same data: the old client still works.
      const read = await core.readNamespacedConfigMap({ name: 'survivor', namespace: 'kept' });
      expect(read.data).toEqual({ a: '1' });
      pids.push(cp.pids().kubeApiserver);
    } finally {
      await cp.stop();
    }
    expect(await allGone(pids)).toBe(true);
    expect(existsSync(cp.workDir)).toBe(false);
  });

  it('cleans up what it started when a component fails to start, and reports the log tail', async () => {
    const failRoot = join(root, 'failing');
    const trackedBefore = trackedProcessGroups().size;
    await expect(
      startControlPlane({
        name: 'failing',
        binaries: { ...binaries, kubeApiserver: '/bin/false' },
        workDir: failRoot,
      }),
    ).rejects.toThrow(/failing\/kube-apiserver did not start: .*exited with code 1/);
    expect(trackedProcessGroups().size).toBe(trackedBefore); // etcd, which had started, was stopped.
    expect(readdirSync(failRoot)).toEqual([]);
  });
});

/** Code of an owner process: starts Azurite under LS_ROOT, prints READY <pid>, then ends as LS_MODE says. */
const OWNER_SCRIPT = `
const { startAzurite } = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'testkit/Azurite.ts')).href)});
const azurite = await startAzurite({ workDir: process.env.LS_ROOT });
process.stdout.write('READY ' + azurite.pid + '\\n');
const mode = process.env.LS_MODE;
if (mode === 'exit') process.exit(0);
if (mode === 'throw') setTimeout(() => { throw new Error('simulated crash'); }, 10);
setInterval(() => undefined, 1000);
`;

/** Starts an owner process; resolves with it and the pid of the Azurite it started. */
async function startOwner(
  mode: string,
  logName: string,
): Promise<{ owner: ManagedProcess; azuritePid: number }> {
  const logFile = join(root, `${logName}.log`);
  const owner = await spawnManaged({
    label: `owner-${mode}`,
    command: process.execPath,
    args: ['--input-type=module', '-e', OWNER_SCRIPT],
    logFile,
    env: { ...process.env, LS_ROOT: join(root, logName), LS_MODE: mode },
  });
  const azuritePid = await waitFor(
    () => {
      const match = /READY (\d+)/.exec(readFileSync(logFile, 'utf8'));
      return match ? Number(match[1]) : undefined;
    },
    {
      what: `owner ${mode} start`,
      timeoutMs: 30_000,
      failFast: () => (owner.exitInfo() ? 'owner exited' : undefined),
    },
  );
  return { owner, azuritePid };
}

describe('a throwaway Azurite', () => {
  it('restart() keeps the port and every acknowledged write', async () => {
    const azurite = await startAzurite({ workDir: join(root, 'azurite-restart') });
    try {
      const table = TableClient.fromConnectionString(azurite.connectionString, 'kept', {
        allowInsecureConnection: true,
      });
      await table.createTable();
      await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', n: 1 });
      const pid = azurite.pid;
      await azurite.restart();
      expect(azurite.pid).not.toBe(pid);
      expect(isProcessRunning(pid)).toBe(false);
      expect((await table.getEntity<{ n: number }>('p', 'r')).n).toBe(1);
    } finally {
      await azurite.stop();
    }
  });
});

describe('an owner process', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'takes its children down when it gets %s',
    async (signal) => {
      const { owner, azuritePid } = await startOwner('wait', `signal-${signal}`);
      try {
        expect(isProcessRunning(azuritePid)).toBe(true);
        process.kill(owner.pid, signal);
        const exit = await owner.exited;
        expect(exit.signal).toBe(signal);
        expect(await allGone([azuritePid])).toBe(true);
        expect(readdirSync(join(root, `signal-${signal}`))).toEqual([]); // Its instance directory is removed.
      } finally {
        await owner.stop(1_000);
      }
    },
  );

  it.each(['exit', 'throw'] as const)('takes its children down when it ends by %s', async (mode) => {
    const { owner, azuritePid } = await startOwner(mode, `end-${mode}`);
    const exit = await owner.exited;
    await owner.stop();
    expect(exit.code).toBe(mode === 'exit' ? 0 : 1);
    expect(await allGone([azuritePid])).toBe(true);
    expect(readdirSync(join(root, `end-${mode}`))).toEqual([]); // Its instance directory is removed.
  });

  it('leaves orphans after SIGKILL, and the next start reaps them but not live instances', async () => {
    const live = await startAzurite({ workDir: join(root, 'sigkill') });
    try {
      const { owner, azuritePid } = await startOwner('wait', 'sigkill');
      process.kill(owner.pid, 'SIGKILL');
      await owner.exited;
      await owner.stop(1_000);
      expect(isProcessRunning(azuritePid)).toBe(true); // Orphaned: nobody cleaned up.

      const messages: string[] = [];
      expect(reapOrphans(join(root, 'sigkill'), (m) => messages.push(m))).toBe(1);
      expect(await allGone([azuritePid])).toBe(true);
      expect(messages.join('\n')).toMatch(new RegExp(`left by dead process ${owner.pid}`));
      expect(isProcessRunning(live.pid)).toBe(true); // Owned by this live process: left alone.
      expect(existsSync(live.workDir)).toBe(true);
    } finally {
      await live.stop();
    }
    expect(await allGone([live.pid])).toBe(true);
  });
});
