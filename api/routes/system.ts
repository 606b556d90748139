import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { handle, type ApiDeps } from '../deps';
import type { Metrics } from '../metrics';
import { buildOpenApi } from '../openapi';

export function systemRoutes({ store, client, logger }: ApiDeps, metrics: Metrics): Router {
  const router = Router();
  const document = buildOpenApi();

  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get(
    '/readyz',
    handle(async (_req, res) => {
      // Each dependency answers "ok" or "unreachable"; why goes to the log, never to the caller.
      const check = (name: string, probe: Promise<unknown>) =>
        probe.then(
          () => 'ok' as const,
          (err: unknown) => {
            logger.warn({ dependency: name, err }, 'readiness check failed');
            return 'unreachable' as const;
          },
        );
      const [temporal, database] = await Promise.all([
        check('temporal', client.workflowService.getSystemInfo({})),
        check('database', store.ping()),
      ]);
      const ready = temporal === 'ok' && database === 'ok';
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', temporal, database });
    }),
  );

  router.get(
    '/metrics',
    handle(async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    }),
  );

  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'kamiflow API' }));
  return router;
}
