/**
 * After a KEY_ENCRYPTION_KEY rotation: re-seal every stored key code, buyer email and idempotency
 * token under the new key. Deploy first with the new KEY_ENCRYPTION_KEY and the old one in
 * KEY_ENCRYPTION_KEYS_OLD (everything keeps opening), run this, then drop the old key.
 * Running it again, or beside the API and the workers, is safe.
 *
 *   npx tsx scripts/rotate-keys.ts        (MONGODB_URI, KEY_ENCRYPTION_KEY, KEY_ENCRYPTION_KEYS_OLD, …)
 */
import { loadConfigOrExit } from '../config';
import { rotateKeys } from '../db/rotation';
import { openStore } from '../db/store';
import { Vault } from '../db/vault';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const store = await openStore(config.mongodbUri);
  const vault = new Vault(config.keyEncryptionKey, config.oldKeyEncryptionKeys);
  try {
    const result = await rotateKeys(store, vault, (what, n) => process.stdout.write(`${what}: ${n} re-sealed so far\n`));
    process.stdout.write(
      `re-sealed under key ${vault.kid}: ${result.keys} key codes, ${result.orderAccess} buyer emails, ${result.idempotency} idempotency tokens\n`,
    );
  } finally {
    await store.close();
  }
}

main().catch((err) => {
  process.stderr.write(`rotation failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
