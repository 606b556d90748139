import type { Express } from 'express';

/**
 * A route the app answers: its method and its template as written (`GET /v1/orders/:orderId`), or
 * `USE /docs` for a handler mounted on a path (static files, the docs' pages): everything below it.
 */
export interface RouteEntry {
  method: string;
  path: string;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  name: string;
  /** The path the layer was declared with (a mount's, for `router.use('/docs', …)`). */
  rawPath?: string | string[];
  /** Mounted without a path: it sees every request. */
  slash: boolean;
  match(path: string): unknown;
}

interface MatchableRoute extends RouteEntry {
  test(path: string): boolean;
}

/**
 * Whether the layer takes the path. A parameter that does not decode (`%E0%A4`) throws only once
 * the path has matched (express then answers 400 for that route), so it counts as taken.
 */
const matcher = (layer: Layer) => (path: string) => {
  try {
    return layer.match(path) !== false;
  } catch {
    return true;
  }
};

/**
 * Express's own route table, read from the app in the order express tries it: every method and
 * template its routers declare, and every path-mounted handler inside them. Routers mounted without
 * a path (all of ours) match the full path, so their layers' patterns do.
 */
function walk(app: Express): MatchableRoute[] {
  const found: MatchableRoute[] = [];
  const visit = (layers: Layer[], inRouter: boolean) => {
    for (const layer of layers) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) {
          for (const path of paths) found.push({ method: method.toUpperCase(), path, test: matcher(layer) });
        }
      } else if (layer.name === 'router' && layer.handle.stack) {
        visit(layer.handle.stack, true);
      } else if (inRouter && !layer.slash) {
        found.push({ method: 'USE', path: String(layer.rawPath), test: matcher(layer) });
      }
    }
  };
  visit((app as unknown as { router: { stack: Layer[] } }).router.stack, false);
  return found;
}

/** Every route and mount of the app, each once. */
export function routeTable(app: Express): RouteEntry[] {
  const entries = new Map(walk(app).map(({ method, path }) => [`${method} ${path}`, { method, path }]));
  return [...entries.values()];
}

export type RouteNamer = (method: string, path: string, status: number) => string;

/**
 * Names a request by the template of the route it matches, also when it was answered before the
 * route ran (a 401, a 429, a 503 from a guard in front). A file under a mount (`/docs`) is
 * `<mount>/*`; anything else, and a 404 under a mount, is `unmatched`.
 */
export function routeNamer(app: Express, unmatched: string): RouteNamer {
  const table = walk(app);
  const routes = table.filter((r) => r.method !== 'USE');
  const mounts = table.filter((r) => r.method === 'USE');
  return (method, path, status) => {
    const asked = method === 'HEAD' ? 'GET' : method;
    const route = routes.find((r) => r.method === asked && r.test(path));
    if (route) return route.path;
    if (status === 404) return unmatched;
    const mount = mounts.find((m) => m.test(path));
    return mount ? `${mount.path}/*` : unmatched;
  };
}
