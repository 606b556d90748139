import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflows } from '../../bench/build';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { assertToolsInstalled } from '../../scripts/tools';
import { WORKFLOWS_PATH } from '../../worker/worker';

/**
 * One real Temporal dev server, one FerretDB and one Mailpit for the whole run, on free ports in a temp folder,
 * and the workflow code bundled once for every worker the tests start.
 */
export default async function globalSetup(): Promise<void> {
  assertToolsInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-test-'));
  const stack: Stack = await startStack({
    temporalPort: await freePort(),
    uiPort: 0,
    mongoPort: await freePort(),
    mail: { smtpPort: await freePort(), httpPort: await freePort() },
    dataDir: dir,
    reuse: false,
  });
  (globalThis as { __kamiflowStack?: Stack }).__kamiflowStack = stack;
  const bundle = await bundleWorkflows(WORKFLOWS_PATH, join(dir, 'workflow-bundle.js'));
  process.env.KAMIFLOW_TEST_TEMPORAL_ADDRESS = stack.temporalAddress;
  process.env.KAMIFLOW_TEST_MONGODB_URI = stack.mongoUri;
  process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE = bundle;
  process.env.KAMIFLOW_TEST_DIR = dir;
  // Buyer emails: tests that send them set SMTP_URL to this, and read what arrived from the API.
  process.env.KAMIFLOW_TEST_SMTP_URL = stack.smtpUrl ?? '';
  process.env.KAMIFLOW_TEST_MAILPIT_URL = stack.mailUrl ?? '';
}
