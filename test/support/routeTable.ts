import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Express } from 'express';
import type { ZodTypeAny } from 'zod';
import { describeApi } from '../../api/openapi';

/*
 * What the running API serves, read from express's own route table rather than listed by hand, so
 * a route added tomorrow shows up in the authorization matrix and the fuzz tests without anyone
 * remembering to add it: they fail until it has its expectations.
 */

/** A route as express matches it: `GET /v1/orders/:orderId`; `USE /docs` for a mounted handler (static files, the docs). */
export interface ServedRoute {
  method: string;
  path: string;
}

export const routeKey = (r: ServedRoute) => `${r.method} ${r.path}`;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  name: string;
  handle: { stack?: Layer[] };
  regexp: RegExp & { fast_slash?: boolean };
}

/** Every route and mount of the app, in the order express tries them, each once. */
export function servedRoutes(app: Express): ServedRoute[] {
  const found = new Map<string, ServedRoute>();
  const add = (r: ServedRoute) => found.set(routeKey(r), r);
  const walk = (stack: Layer[], inRouter: boolean) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          for (const path of paths) add({ method: method.toUpperCase(), path });
        }
      } else if (layer.name === 'router' && layer.handle.stack) {
        walk(layer.handle.stack, true);
      } else if (inRouter && !layer.regexp.fast_slash) {
        // A handler mounted on a path inside a router (router.use('/docs', ...)): everything below it.
        add({ method: 'USE', path: mountPath(layer.regexp) });
      }
    }
  };
  walk((app as unknown as { _router: { stack: Layer[] } })._router.stack, false);
  return [...found.values()];
}

/** `/^\/docs\/?(?=\/|$)/i` → `/docs` (path-to-regexp 0.1's form for a mount); anything else stays as its source. */
function mountPath(regexp: RegExp): string {
  const match = /^\^((?:\\\/[^\\/?()[\]]+)+)\\\/\?\(\?=\\\/\|\$\)$/.exec(regexp.source);
  return match ? match[1].replace(/\\\//g, '/') : regexp.source;
}

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
