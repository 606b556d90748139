/**
 * Replay recorded workflow histories against the workflow code as it is now; exits non-zero when
 * any replays differently (a change that needs `patched()`).
 *
 *   tsx scripts/replay.ts <history.json | folder> [...]    (WORKFLOW_BUNDLE_PATH: a prebuilt bundle)
 *
 * A file holds {workflowId, history} as test/replay/record.histories.ts writes it, or a bare
 * history as the Temporal UI or `temporal workflow show --output json` export it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../worker/worker';

function historyFiles(paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.json')).map((f) => join(p, f)) : [p]));
}

async function main(): Promise<number> {
  const files = historyFiles(process.argv.slice(2));
  if (files.length === 0) {
    process.stderr.write('usage: tsx scripts/replay.ts <history.json | folder> [...]\n');
    return 2;
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const bundle = process.env.WORKFLOW_BUNDLE_PATH;
  const source = bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath: WORKFLOWS_PATH };
  let failed = 0;
  for (const file of files) {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const history = historyFromJSON(json.history ?? json);
    try {
      await Worker.runReplayHistory(source, history, json.workflowId ?? file);
      process.stdout.write(`replayed ${file}\n`);
    } catch (err) {
      failed += 1;
      process.stdout.write(`FAILED ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  process.stdout.write(`${files.length - failed} replayed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
