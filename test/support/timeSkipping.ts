import { SEARCH_ATTRIBUTES } from '../../scripts/stack';
import { startTimeSkipping, type TimeSkipping } from './harness';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (@temporalio/proto is not a direct dependency). */
const INDEXED_VALUE_TYPE_KEYWORD = 2;

/**
 * The time-skipping server with the order's search attributes registered: the stack launcher
 * registers them on the dev server, but the test server starts with none, and an order's
 * `upsertSearchAttributes` fails its workflow task there until they exist.
 */
export async function startTimeSkippingWithSearchAttributes(env: Record<string, string> = {}): Promise<TimeSkipping> {
  const t = await startTimeSkipping(env);
  try {
    await t.env.connection.operatorService.addSearchAttributes({
      namespace: t.config.temporal.namespace,
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTES.map((name) => [name, INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
  } catch (err) {
    await t.stop();
    throw err;
  }
  return t;
}
