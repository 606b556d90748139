/**
 * Give every complaint projected before complaint_queue existed its row in the agents' queue. Run
 * it once after deploying the version that keeps the queue; running it again, or beside the
 * workers, is safe.
 *
 *   npx tsx scripts/backfill-queue.ts        (MONGODB_URI and the rest of the product's environment)
 */
import { loadConfigOrExit } from '../config';
import { backfillComplaintQueue } from '../db/complaintQueue';
import { openStore } from '../db/store';

async function main(): Promise<void> {
  const store = await openStore(loadConfigOrExit().mongodbUri);
  try {
    const live = await backfillComplaintQueue(store);
    process.stdout.write(`${live} complaints not yet closed are in complaint_queue\n`);
  } finally {
    await store.close();
  }
}

main().catch((err) => {
  process.stderr.write(`backfill failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
