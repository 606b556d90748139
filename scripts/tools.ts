/**
 * Where the locally installed tools live (see scripts/install-tools.sh).
 * Pure path arithmetic plus an existence check; safe to import from tests and scripts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest ancestor of this file holding package.json (works from scripts/ and dist/scripts/). */
function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && path.basename(dir) !== 'dist') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start, '..');
    dir = parent;
  }
}

export const REPO_ROOT: string = findRepoRoot(__dirname);

export const TOOL_VERSIONS = {
  temporalCli: '1.9.1',
  temporalTestServer: '1.40.0',
  ferretdb: '1.24.2',
  stripeMock: '0.203.0',
  mailpit: '1.33.1',
} as const;

export const TOOLS_DIR: string = path.join(REPO_ROOT, '.tools');

export const toolPaths = {
  /** Temporal CLI; `temporal server start-dev` is the local dev server. */
  temporal: path.join(TOOLS_DIR, `temporal-cli-${TOOL_VERSIONS.temporalCli}`, 'temporal'),
  /** Time-skipping test server for @temporalio/testing (`server.executable: { type: 'existing-path', path }`). */
  temporalTestServer: path.join(
    TOOLS_DIR,
    `temporal-test-server-${TOOL_VERSIONS.temporalTestServer}`,
    'temporal-test-server',
  ),
  /** FerretDB (SQLite backend) built from scripts/ferretdb; flags: -listen host:port -data dir. */
  ferretdb: path.join(TOOLS_DIR, `ferretdb-${TOOL_VERSIONS.ferretdb}`, 'ferretdb'),
  /** Mailpit, the local SMTP server and inbox buyer emails go to (`npm start`, the tests); flags: --smtp, --listen, --database. */
  mailpit: path.join(TOOLS_DIR, `mailpit-${TOOL_VERSIONS.mailpit}`, 'mailpit'),
} as const;

export type ToolName = keyof typeof toolPaths;

/** Stripe's API mock (built by install-tools.sh from the Go module proxy); only the Stripe rail's test needs it. */
export const stripeMockPath: string = path.join(TOOLS_DIR, `stripe-mock-${TOOL_VERSIONS.stripeMock}`, 'stripe-mock');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Throws if any (or any of the named) tools is missing, telling the user how to install them. */
export function assertToolsInstalled(names: readonly ToolName[] = Object.keys(toolPaths) as ToolName[]): void {
  const missing = names.filter((name) => !isExecutable(toolPaths[name]));
  if (missing.length > 0) {
    const list = missing.map((name) => `  ${name}: ${toolPaths[name]}`).join('\n');
    throw new Error(
      `Local tools are missing:\n${list}\nRun \`bash scripts/install-tools.sh\` from ${REPO_ROOT} to install them.`,
    );
  }
}

/** A command-line option that must be a whole number of at least `min`; `fallback` when not given. */
export function wholeNumberOption(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`--${name} must be a whole number of at least ${min}, got "${raw}"`);
  return Number(raw);
}

/** A script's command-line options, or its usage and exit code 2 when they are bad. */
export function optionsOrExit<T>(parse: () => T, usage: string): T {
  try {
    return parse();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    process.exit(2);
  }
}
