import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../scripts/tools';

/**
 * Replay recorded histories (a file or a folder of them) against the workflow code under test, in a
 * node process of its own (scripts/replay.ts): the SDK's history decoding does not survive jest's
 * module sandbox. Answers a `replayed <file>` or `FAILED <file>: <why>` line per history.
 */
export function replayHistories(path: string): string[] {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', path], {
    cwd: REPO_ROOT,
    env: { ...process.env, WORKFLOW_BUNDLE_PATH: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE },
    encoding: 'utf8',
    timeout: 300_000,
  });
  expect(run.stderr.slice(-2000)).toBe('');
  return run.stdout.split('\n').filter((l) => l.startsWith('replayed ') || l.startsWith('FAILED '));
}
