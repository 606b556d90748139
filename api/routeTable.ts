import type { Express } from 'express';

/** A route the app answers: its method and its template as written (`/v1/orders/:orderId`). */
export interface RouteEntry {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  name: string;
  regexp: RegExp;
}

interface MatchableRoute extends RouteEntry {
  regexp: RegExp;
}

/**
 * Express's own route table, read from the app: every method and template its routers declare.
 * Routers mounted without a path (all of ours) match the full path, so their routes' patterns do.
 */
function walk(app: Express): MatchableRoute[] {
  const stack: Layer[] = (app as unknown as { _router?: { stack: Layer[] } })._router?.stack ?? [];
  const found: MatchableRoute[] = [];
  const visit = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods)) found.push({ method: method.toUpperCase(), path: paths[0], regexp: layer.regexp });
      } else if (layer.name === 'router' && layer.handle.stack) {
        visit(layer.handle.stack);
      }
    }
  };
  visit(stack);
  return found;
}

export function routeTable(app: Express): RouteEntry[] {
  return walk(app).map(({ method, path }) => ({ method, path }));
}

export type RouteNamer = (method: string, path: string, status: number) => string;

/**
 * Names a request by the template of the route it matches, also when it was answered before the
 * route ran (a 401, a 429, a 503 from a guard in front). Static files under a mount (`/docs`) are
 * `<mount>/*`; anything else, and a 404 under a mount, is `unmatched`.
 */
export function routeNamer(app: Express, mounts: string[], unmatched: string): RouteNamer {
  const routes = walk(app);
  return (method, path, status) => {
    const asked = method === 'HEAD' ? 'GET' : method;
    const route = routes.find((r) => r.method === asked && r.regexp.test(path));
    if (route) return route.path;
    if (status === 404) return unmatched;
    const mount = mounts.find((m) => path === m || path.startsWith(`${m}/`));
    return mount ? `${mount}/*` : unmatched;
  };
}
