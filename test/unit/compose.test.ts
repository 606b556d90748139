import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { parse } from 'yaml';
import { KEEP_ALIVE_MS } from '../../api/httpGuards';
import { loadConfig } from '../../config';

/**
 * docker-compose.yml in its production shape, checked where Docker may not exist (`docker compose
 * config` needs an engine): Temporal on PostgreSQL with its schema set up by temporal-sql-tool (not
 * the deprecated auto-setup image), MongoDB as a three-member replica set, two workers and two APIs
 * behind nginx, every long-running service with a health check and every service started only once
 * what it needs is healthy or done, and nothing but the proxy published beyond this host.
 */
const ROOT = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services = compose.services as Record<string, any>;
const nginx = readFileSync(join(ROOT, 'ops', 'nginx', 'kamiflow.conf'), 'utf8');

/** Services running the product's image with this entry point. */
const running = (entry: string) => Object.keys(services).filter((name) => (services[name].command ?? []).join(' ') === `node dist/${entry}`);
const oneShot = (name: string) => services[name].restart === 'no';
/** What the operator exports before `docker compose up` (the `${VAR:?…}` ones). */
const OPERATOR_ENV: Record<string, string> = {
  API_KEYS: 'admin:ops-admin:admin-secret-1,storefront:shop:shop-secret-1,agent:alice:agent-secret-1,ops:oncall:ops-secret-1',
  PAYMENT_WEBHOOK_SECRET: 'a-webhook-secret-of-32-chars-xxxx',
  KEY_ENCRYPTION_KEY: 'ab'.repeat(32),
};

/** A service's environment as Compose would hand it over: `${VAR:-default}` → default, `${VAR:?…}` → the operator's value. */
function interpolated(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      String(value).replace(/\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, variable: string, fallback?: string) => {
        if (fallback !== undefined) return fallback;
        const given = OPERATOR_ENV[variable];
        if (given === undefined) throw new Error(`${name} needs \${${variable}} with no default and none exported in this test`);
        return given;
      }),
    ]),
  );
}

describe('docker-compose.yml', () => {
  it('has the production services: Temporal and its setup, three MongoDB members and their init, two APIs, two workers, the proxy', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api-1', 'api-2', 'mongo-init', 'mongo1', 'mongo2', 'mongo3', 'postgresql', 'proxy', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker-1', 'worker-2'].sort(),
    );
    expect(running('api/main.js')).toEqual(['api-1', 'api-2']);
    expect(running('worker/main.js')).toEqual(['worker-1', 'worker-2']);
  });

  it('runs Temporal from the server image on PostgreSQL, its schema set up by temporal-sql-tool first', () => {
    for (const service of Object.values(services)) expect(String(service.image ?? '')).not.toContain('auto-setup');
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
    // Fixed at the cluster's first start: sized for growth (docs/capacity.md), not the image's 4.
    expect(services.temporal.environment.NUM_HISTORY_SHARDS).toBe('${TEMPORAL_HISTORY_SHARDS:-512}');
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    const schema = services['temporal-schema'].command.join('\n');
    expect(schema).toContain('temporal-sql-tool');
    expect(schema).toMatch(/setup-schema/);
    expect(schema).toMatch(/update-schema/);
    for (const db of ['temporal', 'temporal_visibility']) expect(schema).toContain(db);
    expect(services.temporal.depends_on['temporal-schema']).toEqual({ condition: 'service_completed_successfully' });
    expect(services['temporal-schema'].depends_on.postgresql).toEqual({ condition: 'service_healthy' });
    // The setup job creates the namespace the app uses and the search attributes ops filter on.
    const setup = services['temporal-setup'].command.join('\n');
    expect(setup).toContain('namespace create');
    for (const name of ['OrderStatus', 'Sku', 'ComplaintStatus']) expect(setup).toContain(name);
    expect(services['temporal-setup'].depends_on.temporal).toEqual({ condition: 'service_healthy' });
  });

  it('runs MongoDB as a three-member replica set, initiated by a one-shot service the apps wait for', () => {
    const members = ['mongo1', 'mongo2', 'mongo3'];
    for (const name of members) {
      expect(services[name].image).toMatch(/^mongo:/);
      expect(services[name].command).toEqual(['--replSet', 'rs0', '--bind_ip_all']);
      expect(services[name].volumes).toEqual([`${name}-data:/data/db`]);
    }
    const init = services['mongo-init'];
    expect(init.depends_on).toEqual(Object.fromEntries(members.map((m) => [m, { condition: 'service_healthy' }])));
    const script = init.command.join('\n');
    expect(script).toContain('rs.initiate');
    for (const name of members) expect(script).toContain(`host: '${name}:27017'`);
    expect(script).toMatch(/stateStr === 'PRIMARY'/);
    expect(oneShot('mongo-init')).toBe(true);
  });

  it("gives the product a connection string naming every member, with majority writes and retryable writes", () => {
    for (const name of [...running('api/main.js'), ...running('worker/main.js')]) {
      // As the product's driver reads it (parsing only: nothing is connected).
      const { options } = new mongoose.mongo.MongoClient(services[name].environment.MONGODB_URI);
      expect({
        hosts: options.hosts.map(String),
        replicaSet: options.replicaSet,
        w: options.writeConcern?.w,
        retryWrites: options.retryWrites,
        readPreference: options.readPreference.mode,
        db: options.dbName,
      }).toEqual({ hosts: ['mongo1:27017', 'mongo2:27017', 'mongo3:27017'], replicaSet: 'rs0', w: 'majority', retryWrites: true, readPreference: 'primary', db: 'kamiflow' });
    }
  });

  it("hands every app the environment the product's own config accepts in production", () => {
    for (const name of [...running('api/main.js'), ...running('worker/main.js')]) {
      const env = interpolated(services[name].environment);
      const config = loadConfig(env);
      expect({ name, nodeEnv: config.nodeEnv, temporal: config.temporal, usingDevApiKeys: config.usingDevApiKeys }).toEqual({
        name,
        nodeEnv: 'production',
        temporal: { address: 'temporal:7233', namespace: 'default', taskQueue: 'kamiflow' },
        usingDevApiKeys: false,
      });
    }
    expect(interpolated(services['api-1'].environment).PORT).toBe('3000');
    for (const name of running('worker/main.js')) expect(services[name].environment.WORKER_METRICS_PORT).toBe('9464');
  });

  it('checks the health of every long-running service, and starts each once what it needs is healthy or done', () => {
    const longRunning = Object.keys(services).filter((name) => !oneShot(name));
    expect(longRunning.sort()).toEqual(['api-1', 'api-2', 'mongo1', 'mongo2', 'mongo3', 'postgresql', 'proxy', 'temporal', 'temporal-ui', 'worker-1', 'worker-2']);
    for (const name of longRunning) expect({ name, healthcheck: Array.isArray(services[name].healthcheck?.test) }).toEqual({ name, healthcheck: true });
    for (const [name, service] of Object.entries(services)) {
      if (!service.depends_on) continue;
      // Every dependency as a condition (never the bare list form, which waits for nothing).
      expect({ name, listed: Array.isArray(service.depends_on) }).toEqual({ name, listed: false });
      for (const [dependency, { condition }] of Object.entries(service.depends_on as Record<string, { condition: string }>)) {
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: oneShot(dependency) ? 'service_completed_successfully' : 'service_healthy' });
      }
    }
    for (const name of [...running('api/main.js'), ...running('worker/main.js')]) {
      expect(Object.keys(services[name].depends_on).sort()).toEqual(['mongo-init', 'temporal-setup']);
    }
    expect(Object.keys(services.proxy.depends_on).sort()).toEqual(running('api/main.js'));
  });

  it('publishes only the proxy beyond this host; the Temporal UI is read-only on 127.0.0.1', () => {
    const published = Object.entries(services).flatMap(([name, s]) => ((s.ports ?? []) as string[]).map((p) => [name, String(p)] as const));
    for (const [name, port] of published) {
      if (name === 'proxy') continue;
      expect(`${name} ${port}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:`));
    }
    expect(services.proxy.ports).toEqual(['3000:80']);
    for (const name of running('api/main.js')) expect(services[name].ports).toBeUndefined();
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8080:8080']);
    expect(services['temporal-ui'].environment).toMatchObject({ TEMPORAL_UI_ENABLED: 'true', TEMPORAL_DISABLE_WRITE_ACTIONS: 'true' });
    // The console: served by the APIs, its stuck-order links pointing at that UI.
    expect(services['api-1'].environment.TEMPORAL_UI_URL).toBe('${TEMPORAL_UI_URL:-http://localhost:8080}');
  });

  it("sends the proxy's requests to exactly the API services, on their port, and mounts its config from the repository", () => {
    const upstream = /upstream\s+kamiflow_api\s*\{([^}]*)\}/.exec(nginx)?.[1] ?? '';
    const servers = [...upstream.matchAll(/^\s*server\s+([\w.-]+):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers).toEqual(running('api/main.js').map((name) => `${name}:${services[name].environment.PORT}`));
    expect(nginx).toMatch(/proxy_pass\s+http:\/\/kamiflow_api;/);
    // The client's address as the proxy saw it (the API's rate limits key on it), and time for a buyer's ?wait=20.
    expect(nginx).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;/);
    const readTimeout = Number(/proxy_read_timeout\s+(\d+)s;/.exec(nginx)?.[1]);
    expect(readTimeout).toBeGreaterThan(20);
    // Its idle connections to the APIs close on its side first: never a request on one an API is closing.
    expect(upstream).toMatch(/^\s*keepalive\s+\d+;/m);
    const idle = Number(/^\s*keepalive_timeout\s+(\d+)s;/m.exec(upstream)?.[1]);
    expect(idle * 1000).toBeLessThan(KEEP_ALIVE_MS);
    expect(services.proxy.volumes).toEqual(['./ops/nginx/kamiflow.conf:/etc/nginx/conf.d/default.conf:ro']);
  });
});
