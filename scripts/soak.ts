/**
 * The soak (`npm run soak`): the product as it ships, APIs and workers as separate processes, under a
 * steady mixed load (orders, duplicate and late notices, refunds, complaints, cancels, stock-outs)
 * while workers are killed and restarted, an extra worker comes and goes, each API restarts (with
 * several, every other one is killed outright while the clients retry on the others), and
 * the supplier and the payment provider fail or hang for stretches; then, once every order has
 * settled, the invariants. Prints the report, writes latest.json and latest.md under
 * bench/results/soak/, and exits 1 when an invariant does not hold.
 *
 *   npm run soak                       # 10 minutes, 8 clients
 *   npm run soak -- --minutes 30 --clients 16 --kill-every 15
 *   npm run soak -- --short            # CI-sized: about a minute in all, results under bench/results/soak/short/
 *   npm run soak -- --apis 2 --workers 2   # a deployment of two of each
 *   BENCH_KEEP_LOGS=1 npm run soak     # keep the logs and the servers' data however it went
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak, soakMarkdown, soakText, SOAK_DEFAULTS, SOAK_SHORT, type SoakOptions } from '../bench/soak/run';
import { DEPLOYMENT_FLAGS, DEPLOYMENT_USAGE, deploymentOf } from './deployment';
import { REPO_ROOT, optionsOrExit, wholeNumberOption } from './tools';

const USAGE = `usage: npm run soak -- [--short] [--minutes M | --seconds S] [--clients N] [--kill-every S] [--settle S] [--log-level info] [--out DIR]
  ${DEPLOYMENT_USAGE}
(BENCH_KEEP_LOGS=1: keep the run's folder, its logs and the Temporal server's and the store's data, even when every invariant holds)`;

function options(): { soak: SoakOptions; out: string } {
  const { values } = parseArgs({
    options: {
      short: { type: 'boolean', default: false },
      ...DEPLOYMENT_FLAGS,
      minutes: { type: 'string' },
      seconds: { type: 'string' },
      clients: { type: 'string' },
      'kill-every': { type: 'string' },
      settle: { type: 'string' },
      'log-level': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const base = values.short ? SOAK_SHORT : SOAK_DEFAULTS;
  const whole = wholeNumberOption;
  const seconds = values.minutes !== undefined ? whole('minutes', values.minutes, 0, 1) * 60 : whole('seconds', values.seconds, base.seconds, 5);
  return {
    soak: {
      seconds,
      ...deploymentOf(values, base),
      clients: whole('clients', values.clients, base.clients, 1),
      killEverySeconds: whole('kill-every', values['kill-every'], base.killEverySeconds, 2),
      settleSeconds: whole('settle', values.settle, base.settleSeconds, 10),
      logLevel: values['log-level'] ?? base.logLevel,
    },
    out: values.out ?? join(REPO_ROOT, 'bench', 'results', 'soak', ...(values.short ? ['short'] : [])),
  };
}

async function main(): Promise<void> {
  const parsed = optionsOrExit(options, USAGE);
  const say = (line: string) => process.stdout.write(`[soak] ${line}\n`);
  const report = await runSoak(parsed.soak, say);
  process.stdout.write(`\n${soakText(report)}\n\n`);
  mkdirSync(parsed.out, { recursive: true });
  writeFileSync(join(parsed.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(parsed.out, 'latest.md'), `${soakMarkdown(report)}\n`);
  say(`wrote ${join(parsed.out, 'latest.json')} and latest.md`);
  say(report.ok ? 'every invariant holds' : 'INVARIANTS VIOLATED');
  process.exit(report.ok ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`[soak] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
