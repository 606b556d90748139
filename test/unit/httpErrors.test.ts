import { mongo } from 'mongoose';
import { toHttpError } from '../../api/errors';

/** What a request caught by a store restart is answered: come back (503), never "we failed" (500). */
describe('a dependency that cannot be reached', () => {
  it.each([
    ['a connection cut mid-request', new mongo.MongoNetworkError('connection 3 to 127.0.0.1:27017 closed')],
    ['a network timeout', new mongo.MongoNetworkTimeoutError('connection timed out')],
    ['no server to select', new mongo.MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017', { type: 'Unknown', servers: new Map(), stale: false, compatible: true, heartbeatFrequencyMS: 10000, localThresholdMS: 15 } as never)],
    ['a client not connected', new mongo.MongoNotConnectedError('not connected')],
    ['a closed topology', new mongo.MongoTopologyClosedError()],
  ])('is a 503 for %s', (_what, err) => {
    expect(toHttpError(err)).toMatchObject({ status: 503, code: 'unavailable' });
  });

  it('leaves any other failure a 500 that reveals nothing', () => {
    expect(toHttpError(new mongo.MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).toMatchObject({ status: 500, code: 'internal', message: 'something went wrong on our side; it has been logged' });
    expect(toHttpError(new Error('secret detail'))).toMatchObject({ status: 500, code: 'internal' });
  });
});
