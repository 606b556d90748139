import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ZodTypeAny } from 'zod';
import { describeApi } from '../../api/openapi';
import { routeTable, type RouteEntry } from '../../api/routeTable';

/*
 * What the running API serves, read from express's own route table rather than listed by hand, so
 * a route added tomorrow shows up in the authorization matrix and the fuzz tests without anyone
 * remembering to add it: they fail until it has its expectations.
 */

/** A route as express matches it: `GET /v1/orders/:orderId`; `USE /docs` for a mounted handler (static files, the docs). */
export type ServedRoute = RouteEntry;

export const routeKey = (r: ServedRoute) => `${r.method} ${r.path}`;

/** Every route and mount of the app, in the order express tries them, each once (api/routeTable.ts). */
export const servedRoutes = routeTable;

/** The zod schemas a route validates with, from the API description (absent: the route takes none). */
export interface RouteSchemas {
  params?: ZodTypeAny;
  query?: ZodTypeAny;
  body?: ZodTypeAny;
}

/** `GET /v1/orders/:orderId` → the schemas of OpenAPI's `get /v1/orders/{orderId}`. */
export function routeSchemas(): Map<string, RouteSchemas> {
  const schemas = new Map<string, RouteSchemas>();
  for (const definition of describeApi().definitions) {
    if (definition.type !== 'route') continue;
    const route: RouteConfig = definition.route;
    const request = route.request;
    const content = request?.body?.content?.['application/json'];
    schemas.set(`${route.method.toUpperCase()} ${route.path.replace(/\{(\w+)\}/g, ':$1')}`, {
      ...(request?.params ? { params: request.params as ZodTypeAny } : {}),
      ...(request?.query ? { query: request.query as ZodTypeAny } : {}),
      ...(content && 'schema' in content ? { body: content.schema as ZodTypeAny } : {}),
    });
  }
  return schemas;
}

/** The path with its parameters filled in (`:orderId` → the value given for orderId, URL-encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for :${name} in ${path}`);
    return encodeURIComponent(values[name]);
  });
}
