/**
 * How the API and the worker processes run under Node, wherever they are started: the Docker image
 * (its ENV), `npm start` / `npm run api` / `npm run worker` (package.json), and the benchmark and
 * the soak (bench/children.ts). These must be set before a process starts, so they cannot be config
 * read at start; test/unit/nodeRuntime.test.ts keeps the Dockerfile and package.json in step with them.
 *
 * Measured under `npm run bench` (docs/speed.md): what the processes keep live is small (the API
 * ~45 MB of heap, the worker ~40 MB plus ~45 MB in its workflow thread with 200 orders cached), but
 * with Node's defaults on a machine with a few GB, V8 sizes for plenty: each isolate (the API's;
 * the worker's own and its workflow thread's) keeps a 32 MB young generation, and the old
 * generation grows to 4 × what survived the last full collection before the next one (V8 grows by
 * 4 × once the heap limit is 2 GB or more, by 1.3 to 2 × below it). And glibc spreads the
 * worker's native threads (the Temporal core's, libuv's) over up to 8 malloc arenas a core, each
 * keeping what it freed (~30 MB in all, measured).
 */

/**
 * V8 heap flags. A 1 GB old generation still holds 20 × what either process keeps live (and some
 * 8,000 cached workflows, ~110 KB each, in the worker's thread), and makes V8 grow it by 1.6 ×
 * between full collections instead of 4 ×; 8 MB semi-spaces halve each isolate's young
 * generation. Measured at 32 storefronts, runs with and without them taking turns: worker + API at
 * their highest 90–130 MB lower with these and the two arenas, for about one young-generation
 * collection more per order across the three isolates: a few ms of CPU per order delivered (worker
 * +3–6 ms of ~55, API +2–3 ms of ~20 in the clearest pair), within the noise of the throughput.
 */
export const NODE_HEAP_FLAGS = ['--max-old-space-size=1024', '--max-semi-space-size=8'] as const;

/** The environment that carries them (NODE_OPTIONS reaches the workflow thread too), and two malloc arenas in all. */
export const NODE_RUNTIME_ENV = {
  NODE_OPTIONS: NODE_HEAP_FLAGS.join(' '),
  MALLOC_ARENA_MAX: '2',
} as const;
