import type { RequestHandler } from 'express';
import { HttpError } from './errors';

/**
 * When the store or Temporal slows down, requests take longer and more of them are in flight at
 * once; past `max`, new ones are answered 503 with Retry-After at once instead of joining a queue
 * that only makes every request slower (and the callers' retries pile on more).
 */
export function shedLoad(max: number): RequestHandler {
  let inFlight = 0;
  return (_req, res, next) => {
    if (inFlight >= max) {
      res.set('retry-after', '1');
      next(new HttpError(503, 'unavailable', `the service is busy (${max} requests in progress); try again in a second`));
      return;
    }
    inFlight += 1;
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      inFlight -= 1;
    };
    res.once('finish', finished);
    res.once('close', finished);
    next();
  };
}
