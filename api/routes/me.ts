import { Router } from 'express';
import { callerOf } from '../auth';
import { unauthenticated } from '../errors';

/** Who the key is: the console signs in with it and shows what the role may do. */
export function meRoutes(): Router {
  const router = Router();
  router.get('/v1/me', (req, res) => {
    const caller = callerOf(req);
    if (caller.kind !== 'staff') throw unauthenticated('an API key is required');
    res.json({ role: caller.role, name: caller.name, merchantId: caller.merchantId });
  });
  return router;
}
