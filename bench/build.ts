import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import ts from 'typescript';
import { REPO_ROOT } from '../scripts/tools';

/** The folders the running product (and the ceiling's worker) is made of. */
const SOURCES = ['domain', 'config', 'security', 'db', 'payments', 'activities', 'workflows', 'api', 'worker', 'bench'];

/**
 * The product compiled to JavaScript as it ships (the Dockerfile runs `node dist/...`), so the
 * processes measured carry no TypeScript loader. Each file is transpiled on its own with the
 * project's compiler options (the project sets isolatedModules, so this is what tsc emits);
 * type-checking stays `npm run typecheck`'s job. Packages and the pages in web/ are reached through links.
 */
export function buildProduct(outDir: string): string {
  const { config } = ts.readConfigFile(join(REPO_ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, REPO_ROOT);
  // Every folder the project compiles but its tests: the product, the ceiling's worker.
  const sources = (config.include as string[]).filter((dir) => dir !== 'test');
  const compilerOptions = { ...options, sourceMap: false, outDir: undefined, rootDir: undefined };
  for (const file of sources.flatMap((dir) => tsFiles(join(REPO_ROOT, dir)))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions, fileName: file });
    const target = join(outDir, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  // What the compiled code finds beside itself at run time, as in the built image.
  for (const dir of ['node_modules', 'web']) {
    if (existsSync(join(REPO_ROOT, dir))) symlinkSync(join(REPO_ROOT, dir), join(outDir, dir), 'dir');
  }
  return outDir;
}

/** The workflow code bundled once into `file`, for workers started with WORKFLOW_BUNDLE_PATH (the bundler's chatter kept quiet). */
export async function bundleWorkflows(workflowsPath: string, file: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  writeFileSync(file, code);
  return file;
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: console.error };

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'results' ? [] : tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
