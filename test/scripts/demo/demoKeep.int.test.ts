/**
 * `npm run demo -- --keep` as a user runs it: a child process that does the demo, prints commands to try and
 * stays up. The printed commands are run as printed (through bash); Ctrl-C (SIGINT) must then stop every
 * process the demo started and remove every file it wrote.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { readyLine } from '../../../scripts/demo/tryItCommands.ts';
import { reapOrphans } from '../../../testkit/ownedWorkDir.ts';
import { isProcessRunning, processStartTime } from '../../../testkit/processInfo.ts';
import { signalProcessGroup } from '../../../testkit/processRegistry.ts';
import { repoRoot } from '../../../testkit/repoRoot.ts';

const run = promisify(execFile);
const bash = async (script: string) => (await run('bash', ['-c', script], { timeout: 30_000 })).stdout;

let tmp: string;
let child: ChildProcess;
const output: string[] = [];
let exited: Promise<number | null>;

/** Direct children of `pid` (the demo spawns each component detached: its pid is its process group). */
function childrenOf(pid: number): Array<{ pid: number; startTime: string | undefined; command: string }> {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== pid) return [];
        const command = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').slice(0, 2).join(' ');
        return [{ pid: Number(d), startTime: processStartTime(Number(d)), command }];
      } catch {
        return [];
      }
    });
}

/** Every file under `dir` (directories themselves are not listed). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutInMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; output:\n${output.join('\n')}`);
    await sleep(200);
  }
}

/** The printed line that ends with `suffix` (a command to try). */
const printed = (suffix: string): string => {
  const line = output.find((l) => l.endsWith(suffix));
  if (!line) throw new Error(`no printed line ends with '${suffix}'; output:\n${output.join('\n')}`);
  return line;
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'demo-keep-'));
  child = spawn(join(repoRoot, 'node_modules/.bin/node'), ['scripts/demo.ts', '--keep'], {
    cwd: repoRoot,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  let partial = '';
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    output.push(...lines);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await until(
    'the ready line',
    () => Promise.resolve(output.includes(readyLine) ? true : undefined),
    240_000,
  );
}, 300_000);

afterAll(() => {
  // Only if a test failed half-way: leave nothing behind.
  if (child.pid && child.exitCode === null) signalProcessGroup(child.pid, 'SIGKILL');
  reapOrphans(join(tmp, 'aks-keysync-localstack'));
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm run demo -- --keep', () => {
  it('prints no library warning a user cannot act on', () => {
    expect(output.filter((l) => /WARNING|test mode/.test(l))).toEqual([]);
    expect(output[0]).toMatch(/^Starting two local Kubernetes clusters/);
  });

  it('prints the admin kubeconfigs and a kubectl get keybindings -A that works as printed', async () => {
    expect(output).toContain('Admin kubeconfigs:');
    const out = await bash(printed(' get keybindings -A'));
    expect(out).toMatch(/^NAMESPACE\s+NAME\s+RESOURCE\s+READY\s+REASON\s+LAST SYNC\s+AGE/);
    expect(out).toMatch(/orders\s+orders-storage\s+storageaccounts\/stordersprod\s+True\s+Synced/);
  });

  it('syncs a KeyBinding created with the printed heredoc (watch path)', async () => {
    const start = output.findIndex((l) => l.endsWith("apply -f - <<'EOF'"));
    const end = output.indexOf('EOF', start);
    expect(start).toBeGreaterThan(0);
    await bash(output.slice(start, end + 1).join('\n'));
    const get = printed(' get keybinding orders-cache -n orders');
    const row = await until('orders-cache to be Ready', async () => {
      const out = await bash(get);
      return /True\s+Synced/.test(out) ? out : undefined;
    });
    expect(row).toMatch(/orders-cache\s+redis\/redis-orders\s+True\s+Synced/);
  });

  it('picks up a key regenerated with the printed curl (ARM event path)', async () => {
    const hash = printed(`-o jsonpath='{.metadata.annotations.keysync\\.dev/data-hash}{"\\n"}'`);
    const before = (await bash(hash)).trim();
    expect(before).not.toBe('');
    const curl = output.find((l) => l.startsWith('curl '));
    expect((await bash(curl ?? 'false')).trim()).toBe('200');
    const after = await until('the data hash to change', async () => {
      const now = (await bash(hash)).trim();
      return now !== before ? now : undefined;
    });
    expect(after).not.toBe('');
  });

  it('restores a Secret overwritten with the printed patch (watch path)', async () => {
    const read = printed('| base64 -d; echo').replace(/^sleep 1; /, '');
    const original = (await bash(read)).trim();
    expect(original).toMatch(/^https:\/\//);
    await bash(printed(`-p '{"stringData":{"BLOB_ENDPOINT":"edited-by-hand"}}'`));
    const restored = await until('the Secret to be restored', async () => {
      const now = (await bash(read)).trim();
      return now === original ? now : undefined;
    });
    expect(restored).toBe(original);
  });

  it('stops every process and removes every file it made on Ctrl-C', async () => {
    const pid = child.pid ?? 0;
    const components = childrenOf(pid);
    expect(components.map((c) => c.command).join('\n')).toMatch(/kube-apiserver[\s\S]*kube-apiserver/);
    expect(components.map((c) => c.command).join('\n')).toMatch(/etcd[\s\S]*etcd/);
    expect(components.map((c) => c.command).join('\n')).toMatch(/azurite/);

    process.kill(pid, 'SIGINT');
    const timeout = new AbortController();
    const code = await Promise.race([
      exited,
      sleep(60_000, 'still running after 60 s', { signal: timeout.signal }).catch(() => 'aborted'),
    ]);
    timeout.abort();
    expect(code).toBe(0);
    expect(output).toContain('Stopped.');
    expect(output.filter((l) => /error|failed|did not stop/i.test(l))).toEqual([]);
    for (const c of components) {
      expect({ ...c, running: isProcessRunning(c.pid, c.startTime) }).toMatchObject({ running: false });
      expect({ ...c, group: signalProcessGroup(c.pid, 0) }).toMatchObject({ group: false });
    }
    expect(signalProcessGroup(pid, 0)).toBe(false);
    expect(filesUnder(tmp)).toEqual([]);
  });
});
