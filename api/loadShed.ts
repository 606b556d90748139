import type { RequestHandler, Response } from 'express';
import { HttpError } from './errors';

/**
 * When the store or Temporal slows down, requests take longer and more of them are in flight at
 * once; past `max`, new ones are answered 503 with Retry-After at once instead of joining a queue
 * that only makes every request slower (and the callers' retries pile on more).
 *
 * A request that only waits (a buyer's long poll for keys) steps aside while it does: it costs the
 * store nothing then, and a sale's waiting buyers must not crowd out the orders being placed.
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
    let aside = false;
    const finished = () => {
      if (done) return;
      done = true;
      if (!aside) inFlight -= 1;
    };
    res.locals[STEP_ASIDE] = async <T>(waiting: Promise<T>): Promise<T> => {
      aside = true;
      inFlight -= 1;
      try {
        return await waiting;
      } finally {
        aside = false;
        if (!done) inFlight += 1;
      }
    };
    res.once('finish', finished);
    res.once('close', finished);
    next();
  };
}

const STEP_ASIDE = 'kamiflowStepAside';

/** Wait without counting as a request in progress (see shedLoad); a plain wait where no shedding runs. */
export function waitAside<T>(res: Response, waiting: Promise<T>): Promise<T> {
  const stepAside = res.locals[STEP_ASIDE] as (<U>(p: Promise<U>) => Promise<U>) | undefined;
  return stepAside ? stepAside(waiting) : waiting;
}
