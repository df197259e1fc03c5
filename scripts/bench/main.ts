/**
 * `npm run bench` (`node scripts/bench/main.ts [--scale 0.1] [--only event,resync,coldstart] ...`): the
 * performance benchmarks of issue 5 on real parts: 3 local control planes (kube-apiserver + etcd), Azurite,
 * the ARM simulator (with latency and ARM's default throttling) and the real onArmEvent / resync code.
 * Prints machine details, every scenario's numbers, and a summary of ratios measured in the same run. It
 * reports and never fails on timing; it exits 1 only when a scenario could not run. Results and how to read
 * them: docs/benchmarks.md.
 */
import { formatTable } from '../demo/formatTable.ts';
import { startLocalStack } from '../../testkit/startLocalStack.ts';
import type { LocalStack } from '../../testkit/startLocalStack.ts';
import type { BenchReport } from './BenchReport.ts';
import { runColdStartScenario } from './coldStartScenario.ts';
import { formatMachine, loadAverageNow, machineInfo } from './machineInfo.ts';
import { parseBenchArgs } from './parseBenchArgs.ts';
import { runScenarios } from './runScenarios.ts';
import type { BenchEnvironment } from './startBenchEnvironment.ts';
import { startBenchEnvironment } from './startBenchEnvironment.ts';
import { summaryRows } from './summaryRows.ts';

/** Whole-run bound: the process exits (and its control planes are killed) after this long. */
const watchdogInMs = 90 * 60_000;

const options = parseBenchArgs(process.argv);
const args = process.argv.slice(2);
const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
const print = (line = '') => console.log(line);
const progress = (line: string) => process.stderr.write(`  [stack] ${line}\n`);
setTimeout(() => {
  console.error(`bench: still running after ${watchdogInMs / 60_000} min; giving up`);
  process.exit(2);
}, watchdogInMs).unref();

const startedAt = new Date().toISOString();
print(`${command}  (started ${startedAt}, scale ${options.scale}, ARM latency ${options.armLatencyInMs} ms)`);
const failures: Array<{ scenario: string; reason: string }> = [];
let coldStart: BenchReport['coldStart'];
if (options.only.has('coldstart')) {
  print('\n== Scenario 4: cold start (scripts/bench/coldStart.ts, run first on a quiet machine)');
  coldStart = await runColdStartScenario(options.coldStartRuns, (l) => print(`  ${l}`));
}

let stack: LocalStack | undefined;
let env: BenchEnvironment | undefined;
let report: BenchReport;
try {
  const needsStack = options.only.has('event') || options.only.has('resync');
  if (needsStack) {
    stack = await startLocalStack({
      clusters: [{ name: 'cluster-a' }, { name: 'cluster-b' }, { name: 'cluster-c' }],
      onProgress: progress,
    });
    const d = stack.describe();
    env = await startBenchEnvironment({
      clusters: Object.values(d.clusters),
      azuriteConnectionString: d.azurite?.connectionString ?? '',
      azuritePid: d.azurite?.pid,
      armLatencyInMs: options.armLatencyInMs,
      namespacePrefix: 'bench',
    });
  }
  const machine = await machineInfo(env?.clusters[0]);
  print('\n== Machine');
  for (const l of formatMachine(machine, env?.clusters.length ?? 0)) print(`  ${l}`);
  const results = env ? await runScenarios(env, options, print, failures) : {};
  report = {
    startedAt,
    command,
    options,
    machine,
    clusters: env?.clusters.length ?? 0,
    ...results,
    ...(coldStart ? { coldStart } : {}),
    failures,
  };
} finally {
  await env?.stop().catch((err: unknown) => console.error('bench: simulator did not stop:', err));
  await stack?.stop().catch((err: unknown) => console.error('bench: local stack did not stop:', err));
}

print(`\nLoad average at the end: ${loadAverageNow()} (1 min); at the start: ${report.machine.loadAverage}`);
const rows = summaryRows(report);
print('\n== Summary (ratios measured in this run; benchmarks report, they do not fail on timing)');
print(
  formatTable(
    ['#', 'measure', 'numerator', 'denominator', 'value', 'target', 'verdict'],
    rows.map((r) => [r.scenario, r.measure, r.numerator, r.denominator, r.value, r.target, r.verdict]),
  ),
);
print('\nMarkdown (for docs/benchmarks.md):\n');
print('| # | measure | numerator | denominator | value | target | verdict |');
print('|---|---|---|---|---|---|---|');
for (const r of rows)
  print(
    `| ${[r.scenario, r.measure, r.numerator, r.denominator, r.value, r.target, r.verdict].join(' | ')} |`,
  );
for (const f of failures) print(`\nScenario ${f.scenario} could not run: ${f.reason}`);
if (env && env.warnings.length > 0)
  print(`\nThe engine logged ${env.warnings.length} warnings; first: ${env.warnings[0] ?? ''}`);
process.exit(failures.length > 0 ? 1 : 0);
