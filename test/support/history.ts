import type { WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/**
 * Everything a workflow history says, as searchable text with its payloads decoded. Serialised as
 * JSON, payload data shows base64-encoded, so a check that some text is absent could never fail.
 */
export function historyText(history: History): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value === null || value === undefined) return;
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object') Object.values(value as object).forEach(walk);
    else parts.push(String(value));
  };
  walk(history);
  return parts.join('\n');
}
