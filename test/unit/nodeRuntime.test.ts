import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_HEAP_FLAGS, NODE_RUNTIME_ENV } from '../../config/nodeRuntime';
import { readLockfile } from '../../scripts/advisories';
import { semver } from '../../scripts/semver';

const ROOT = join(__dirname, '..', '..');

/**
 * The heap flags and malloc arenas the API and the worker run with (config/nodeRuntime.ts) are the
 * ones every way of starting them uses, and they reach the worker's workflow thread.
 */
describe('the Node runtime of the API and the worker', () => {
  it('is what the Docker image sets for both processes', () => {
    const runtimeStage = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split(/^FROM /m).at(-1)!;
    const env = runtimeStage.match(/^ENV NODE_OPTIONS=.*$/m)?.[0];
    expect(env).toBe(`ENV NODE_OPTIONS="${NODE_RUNTIME_ENV.NODE_OPTIONS}" MALLOC_ARENA_MAX=${NODE_RUNTIME_ENV.MALLOC_ARENA_MAX}`);
  });

  it('is what npm start, npm run api and npm run worker start them with', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const prefix = `NODE_OPTIONS="$NODE_OPTIONS ${NODE_RUNTIME_ENV.NODE_OPTIONS}" MALLOC_ARENA_MAX=${NODE_RUNTIME_ENV.MALLOC_ARENA_MAX} tsx `;
    expect(scripts.start).toContain(`&& ${prefix}scripts/dev.ts`);
    expect(scripts.api).toBe(`${prefix}api/main.ts`);
    expect(scripts.worker).toBe(`${prefix}worker/main.ts`);
  });

  it('limits the heap of the main thread and of a worker thread alike (the workflows run in one)', () => {
    const script = `
      const { getHeapStatistics } = require('node:v8');
      const { Worker } = require('node:worker_threads');
      const limit = () => Math.round(getHeapStatistics().heap_size_limit / 1048576);
      new Worker("require('node:worker_threads').parentPort.postMessage(Math.round(require('node:v8').getHeapStatistics().heap_size_limit / 1048576))", { eval: true })
        .once('message', (thread) => process.stdout.write(JSON.stringify({ main: limit(), thread })));
    `;
    const run = (options: string): { main: number; thread: number } => JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_OPTIONS: options }, encoding: 'utf8' }));
    const flagged = run(NODE_RUNTIME_ENV.NODE_OPTIONS);
    const unflagged = run('');
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(NODE_HEAP_FLAGS.join(' '))![1]);
    // The limit is the old generation plus the young one (three semi-spaces of 8 MB).
    expect(flagged.main).toBeGreaterThanOrEqual(oldSpace);
    expect(flagged.main).toBeLessThan(oldSpace + 64);
    expect(flagged.thread).toBe(flagged.main);
    // Without them, Node sizes the heap by the machine's memory: not what was measured.
    expect(unflagged.main).not.toBe(flagged.main);
  });
});

/**
 * Which Node the product runs on: the Docker image's line is a maintained LTS, and `engines` in
 * package.json is honest, no lower than what any installed package declares it needs.
 */
describe('the Node versions', () => {
  // Node's LTS lines and the end of their maintenance (nodejs.org/en/about/previous-releases). A
  // line the image moves to is added here; the test fails once the image's line is past its end.
  const LTS_END_OF_LIFE: Record<number, string> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30' };
  const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

  it('the Docker image runs one maintained LTS line in every stage, and engines admits it', () => {
    const images = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM node:(\d+)(?:\.\d+)*-slim\b/gm)].map((m) => Number(m[1]));
    expect(images).toHaveLength(3); // build, production dependencies, runtime
    expect(new Set(images).size).toBe(1);
    const line = images[0];
    expect(LTS_END_OF_LIFE[line]).toBeDefined();
    expect(new Date(`${LTS_END_OF_LIFE[line]}T23:59:59Z`).getTime()).toBeGreaterThan(Date.now());
    expect(semver.satisfies(`${line}.99.0`, engines)).toBe(true);
  });

  it('engines asks for no less than any installed package needs, and this Node meets it', () => {
    const lowest = semver.minVersion(engines)!.version;
    // Platform packages only one machine installs (optional) aside; old packages list engines as an array.
    const needs = Object.entries(readLockfile().packages).flatMap(([path, e]) =>
      path !== '' && !e.optional && e.engines && !Array.isArray(e.engines) && e.engines.node ? [{ path, node: e.engines.node }] : [],
    );
    expect(needs.length).toBeGreaterThan(10);
    expect(needs.filter((n) => semver.validRange(n.node) && !semver.satisfies(lowest, n.node))).toEqual([]);
    expect(semver.satisfies(process.versions.node, engines)).toBe(true);
  });

  it('the README names the lowest Node that engines admits', () => {
    const named = /\*\*Node\.js (\d+\.\d+\.\d+) or newer\*\*/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(named?.[1]).toBe(semver.minVersion(engines)!.version);
  });
});
