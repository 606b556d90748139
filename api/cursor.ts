import { badRequest } from './errors';

/** A place in a list sorted by a time, then by id: opaque to callers. */
export interface Place {
  at: Date;
  id: string;
}

export function writeCursor({ at, id }: Place): string {
  return Buffer.from(JSON.stringify([at.getTime(), id])).toString('base64url');
}

/** A cursor this API gave out, else a 400 naming `cursor`. */
export function readCursor(cursor: string): Place {
  try {
    const [ms, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof ms === 'number' && Number.isFinite(ms) && typeof id === 'string') return { at: new Date(ms), id };
  } catch {
    // fall through: not one of ours
  }
  throw badRequest('the query is not valid', [{ path: 'cursor', reason: 'is not a cursor this API gave out' }]);
}
