/**
 * Move a store written before merchants into the merchant `default` (db/merchantMigration.ts). Run
 * it once after deploying the version with merchants; running it again, or beside the API and the
 * workers, is safe.
 *
 *   npx tsx scripts/migrate-merchants.ts     (MONGODB_URI and the rest of the product's environment)
 */
import { loadConfigOrExit } from '../config';
import { moveIntoDefault } from '../db/merchantMigration';
import { openStore } from '../db/store';

async function main(): Promise<void> {
  const store = await openStore(loadConfigOrExit().mongodbUri);
  try {
    const moved = await moveIntoDefault(store);
    for (const [collection, n] of Object.entries(moved)) process.stdout.write(`${collection}: ${n} moved into default\n`);
  } finally {
    await store.close();
  }
}

main().catch((err) => {
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
