/**
 * Scenario 4, cold start: runs the cold-start measurement of `scripts/bench/coldStart.ts` (built and owned
 * separately: it bundles the function app and times `import()` of the bundle against a minimal
 * @azure/functions app in fresh processes) as a child process, echoes its output, and reads the two medians
 * from it. HOOK: this depends on that script's command line (`--runs`) and its output lines
 * `  <label>  median <ms> ms ...` with labels starting `bundle` and `minimal app`; if the script is missing
 * or its output changes, the scenario reports why instead of a ratio.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../../testkit/repoRoot.ts';

/** The cold-start measurement, or why there is none. */
export type ColdStartResult =
  | { readonly ok: true; readonly bundleMs: number; readonly minimalMs: number; readonly output: string }
  | { readonly ok: false; readonly reason: string; readonly output: string };

/** The script this scenario runs. */
export const coldStartScript = join(repoRoot, 'scripts/bench/coldStart.ts');

/**
 * Runs the cold-start script (bounded).
 * @param runs - fresh processes per subject
 * @param print - receives the script's output lines
 * @param timeoutInMs - bound of the whole script (it builds the bundle first)
 */
export async function runColdStartScenario(
  runs: number,
  print: (line: string) => void,
  timeoutInMs = 10 * 60_000,
): Promise<ColdStartResult> {
  if (!existsSync(coldStartScript))
    return { ok: false, reason: `${coldStartScript} does not exist (yet)`, output: '' };
  const { code, output } = await runBounded(['--runs', String(runs)], print, timeoutInMs);
  if (code !== 0) return { ok: false, reason: `coldStart.ts exited with ${code}`, output };
  const median = (prefix: string) => {
    const line = output.split('\n').find((l) => l.trim().toLowerCase().startsWith(prefix));
    const m = line?.match(/median\s+([\d.]+)\s*ms/);
    return m ? Number(m[1]) : undefined;
  };
  const bundleMs = median('bundle');
  const minimalMs = median('minimal app');
  if (bundleMs === undefined || minimalMs === undefined)
    return { ok: false, reason: 'could not read the medians from coldStart.ts output', output };
  return { ok: true, bundleMs, minimalMs, output };
}

function runBounded(
  args: readonly string[],
  print: (line: string) => void,
  timeoutInMs: number,
): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [coldStartScript, ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) print(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutInMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending) print(pending);
      resolve({ code: code ?? signal ?? 'unknown', output });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: err.message, output });
    });
  });
}
