import { badRequest } from './errors';

/** A place in a list sorted by a time, then by id: opaque to callers. */
export interface Place {
  at: Date;
  id: string;
}

const encode = (fields: unknown[]) => Buffer.from(JSON.stringify(fields)).toString('base64url');

/** The fields of a cursor this API gave out, else a 400 naming `cursor`. */
function decode<T>(cursor: string, read: (fields: unknown[]) => T | undefined): T {
  let found: T | undefined;
  try {
    const fields = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(fields)) found = read(fields);
  } catch {
    // not one of ours: refused below
  }
  if (found === undefined) throw badRequest('the query is not valid', [{ path: 'cursor', reason: 'is not a cursor this API gave out' }]);
  return found;
}

export function writeCursor({ at, id }: Place): string {
  return encode([at.getTime(), id]);
}

export function readCursor(cursor: string): Place {
  return decode(cursor, ([ms, id]) => (typeof ms === 'number' && Number.isFinite(ms) && typeof id === 'string' ? { at: new Date(ms), id } : undefined));
}

/** A place in a list sorted by id alone (the catalog, by sku). */
export function writeIdCursor(id: string): string {
  return encode([id]);
}

export function readIdCursor(cursor: string): string {
  return decode(cursor, (fields) => (fields.length === 1 && typeof fields[0] === 'string' ? fields[0] : undefined));
}
