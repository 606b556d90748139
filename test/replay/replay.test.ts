import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/tools';

/**
 * Determinism across deploys: histories recorded from earlier versions of the workflows (see
 * record.histories.ts) must replay against the code as it is now. A change that breaks one needs
 * `patched()`, not a new recording. The replay runs in its own node process (scripts/replay.ts):
 * the SDK's history decoding does not survive jest's module sandbox.
 */
const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('recorded workflow histories replay against the current code', () => {
  it('replays every recording', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', dir], {
      cwd: REPO_ROOT,
      env: { ...process.env, WORKFLOW_BUNDLE_PATH: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE },
      encoding: 'utf8',
      timeout: 110_000,
    });
    const replayed = run.stdout.split('\n').filter((l) => l.startsWith('replayed '));
    expect({ status: run.status, failures: run.stdout.split('\n').filter((l) => l.startsWith('FAILED')), stderr: run.stderr.slice(-2000) }).toEqual({ status: 0, failures: [], stderr: '' });
    expect(replayed).toHaveLength(files.length);
  });
});
