import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../scripts/tools';

/**
 * Determinism across deploys: histories recorded from earlier versions of the workflows (see
 * record.histories.ts) must replay against the code as it is now. A change that breaks one needs
 * `patched()`, not a new recording. The replay runs in its own node process (scripts/replay.ts):
 * the SDK's history decoding does not survive jest's module sandbox.
 *
 * Recordings are only ever added: manifest.sha256 pins every file, so a history changed or deleted
 * to make a change pass fails here. superseded/ keeps a recording of an unreleased build whose
 * unpatched change conflicted with the release; it stays to show why it can no longer replay.
 */
const here = __dirname;
const manifest = readFileSync(join(here, 'manifest.sha256'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [sha256, file] = line.trim().split(/\s+/);
    return { sha256, file };
  });
const onDisk = ['histories', 'superseded'].flatMap((dir) => readdirSync(join(here, dir)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f}`));

function replay(dir: string): string[] {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/replay.ts', join(here, dir)], {
    cwd: REPO_ROOT,
    env: { ...process.env, WORKFLOW_BUNDLE_PATH: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE },
    encoding: 'utf8',
    timeout: 110_000,
  });
  expect(run.stderr.slice(-2000)).toBe('');
  return run.stdout.split('\n').filter((l) => l.startsWith('replayed ') || l.startsWith('FAILED '));
}

describe('recorded workflow histories replay against the current code', () => {
  it('keeps every recording as it was recorded, and lists every new one in the manifest', () => {
    const changed = manifest.filter(({ sha256, file }) => {
      try {
        return createHash('sha256').update(readFileSync(join(here, file))).digest('hex') !== sha256;
      } catch {
        return true; // deleted
      }
    });
    expect({ changedOrDeleted: changed.map((m) => m.file), unlisted: onDisk.filter((f) => !manifest.some((m) => m.file === f)) }).toEqual({
      changedOrDeleted: [],
      unlisted: [],
    });
  });

  it('replays every recording, the first release and later ones', () => {
    const histories = manifest.filter((m) => m.file.startsWith('histories/'));
    expect(histories.filter((m) => m.file.startsWith('histories/release-')).length).toBeGreaterThanOrEqual(6);
    const results = replay('histories');
    expect(results.filter((l) => l.startsWith('FAILED'))).toEqual([]);
    expect(results).toHaveLength(histories.length);
  });

  it('a superseded recording still fails only for the change it recorded without a patch', () => {
    const results = replay('superseded');
    expect(results).toHaveLength(manifest.filter((m) => m.file.startsWith('superseded/')).length);
    for (const line of results) expect(line).toMatch(/^FAILED .*TMPRL1100.*'countAvailableKeys'/);
  });
});
