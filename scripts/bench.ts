/**
 * The order pipeline's benchmark (`npm run bench`): the ceilings (a minimal durable order on bare
 * Temporal, its steps as regular activities and again as local activities), the product over HTTP
 * on an empty store (at 32 storefronts once more with every buyer polling the order's view every
 * 25 ms), and the product again once the store holds a grown shop, at 1, 8, 32 and 64 concurrent
 * storefronts, in one run on the embedded stack (or on TEMPORAL_ADDRESS / MONGODB_URI when set).
 * Prints the table and the issues' criteria, and writes latest.json, latest.md, latest.svg and
 * capacity.json (the figures docs/capacity.md cites) under bench/results/.
 *
 *   npm run bench                          # the full run, a few minutes
 *   npm run bench -- --seconds 10 --levels 1,8
 *   npm run bench -- --smoke               # a few seconds, results under bench/results/smoke/
 *   npm run bench -- --check               # exit 3 when a criterion fails
 *   npm run bench -- --apis 2 --workers 2  # the product as two API and two worker processes
 *   npm run bench -- --dry-run             # print the options the run would take, start nothing
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, SMOKE, runBench, type BenchOptions } from '../bench/run';
import { criteriaText, textTable, writeResults } from '../bench/results';
import { DEPLOYMENT_FLAGS, DEPLOYMENT_USAGE, deploymentOf } from './deployment';
import { REPO_ROOT, optionsOrExit, wholeNumberOption } from './tools';

const USAGE = `usage: npm run bench -- [--smoke] [--seconds N] [--levels 1,8,32,64] [--grown-orders N]
  [--order-timeout N] [--poll-ms N] [--keys-wait S] [--view-poll-ms N] [--sale-skus N] [--log-level info] [--histories N] [--profile-store] [--out DIR] [--check] [--dry-run]
  ${DEPLOYMENT_USAGE}`;

function options(): { bench: BenchOptions; out: string; check: boolean; dryRun: boolean } {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      ...DEPLOYMENT_FLAGS,
      'dry-run': { type: 'boolean', default: false },
      seconds: { type: 'string' },
      levels: { type: 'string' },
      'grown-orders': { type: 'string' },
      'order-timeout': { type: 'string' },
      'poll-ms': { type: 'string' },
      'keys-wait': { type: 'string' },
      'view-poll-ms': { type: 'string' },
      'sale-skus': { type: 'string' },
      'log-level': { type: 'string' },
      histories: { type: 'string' },
      out: { type: 'string' },
      check: { type: 'boolean', default: false },
      'profile-store': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const base = values.smoke ? SMOKE : FULL;
  const whole = wholeNumberOption;
  const levels = values.levels === undefined ? base.levels : values.levels.split(',').map((x) => whole('levels', x.trim(), 0, 1));
  return {
    bench: {
      ...base,
      ...deploymentOf(values, base),
      levels,
      seconds: whole('seconds', values.seconds, base.seconds, 1),
      grownOrders: whole('grown-orders', values['grown-orders'], base.grownOrders, 0),
      orderTimeoutSeconds: whole('order-timeout', values['order-timeout'], base.orderTimeoutSeconds, 1),
      pollMs: whole('poll-ms', values['poll-ms'], base.pollMs, 1),
      keysWaitSeconds: whole('keys-wait', values['keys-wait'], base.keysWaitSeconds, 0),
      viewPollMs: whole('view-poll-ms', values['view-poll-ms'], base.viewPollMs, 1),
      saleSkus: whole('sale-skus', values['sale-skus'], base.saleSkus, 1),
      logLevel: values['log-level'] ?? base.logLevel,
      sampleHistories: whole('histories', values.histories, base.sampleHistories, 0),
      profileStore: values['profile-store'] || base.profileStore,
    },
    out: values.out ?? join(REPO_ROOT, 'bench', 'results', ...(values.smoke ? ['smoke'] : [])),
    check: values.check ?? false,
    dryRun: values['dry-run'] ?? false,
  };
}

async function main(): Promise<void> {
  const parsed = optionsOrExit(options, USAGE);
  const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
  if (parsed.dryRun) {
    say(`would run: ${JSON.stringify(parsed.bench)}; results to ${parsed.out}`);
    return;
  }
  const results = await runBench(parsed.bench, say);
  process.stdout.write(`\n${textTable(results)}\n\n${criteriaText(results.criteria)}\n\n`);
  for (const file of writeResults(parsed.out, results, parsed.bench.criteriaLevels.share)) say(`wrote ${file}`);
  if (parsed.check && results.criteria.some((c) => c.verdict === 'FAIL')) process.exit(3);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
