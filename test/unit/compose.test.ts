import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/**
 * docker-compose.yml as a shop runs it, checked where Docker may not exist: Temporal's schema set
 * up by admin-tools (not the deprecated auto-setup image), every long-running dependency with a
 * healthcheck or a completed setup before the app starts, and nothing but the api published
 * beyond this host (the Temporal UI is read-only and on 127.0.0.1).
 */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true });
  const services = compose.services as Record<string, any>;

  it('runs Temporal from the server image with the schema set up by admin-tools', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'mongo', 'postgresql', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
    for (const service of Object.values(services)) expect(String(service.image ?? '')).not.toContain('auto-setup');
    expect(services.temporal.image).toMatch(/^temporalio\/server:/);
    expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:/);
    const schema = services['temporal-schema'].command.join('\n');
    expect(schema).toContain('temporal-sql-tool');
    expect(schema).toMatch(/setup-schema/);
    expect(schema).toMatch(/update-schema/);
    expect(services.temporal.depends_on['temporal-schema']).toEqual({ condition: 'service_completed_successfully' });
    expect(services['temporal-schema'].depends_on.postgresql).toEqual({ condition: 'service_healthy' });
    // The setup job creates the namespace the app uses and the search attributes ops filter on.
    const setup = services['temporal-setup'].command.join('\n');
    expect(setup).toContain('namespace create');
    for (const name of ['OrderStatus', 'Sku', 'ComplaintStatus']) expect(setup).toContain(name);
  });

  it('starts the api and the worker only after their dependencies are ready', () => {
    for (const name of ['postgresql', 'mongo', 'api', 'temporal-ui']) expect(services[name].healthcheck?.test).toBeDefined();
    for (const name of ['api', 'worker']) {
      expect(services[name].depends_on).toEqual({
        'temporal-setup': { condition: 'service_completed_successfully' },
        mongo: { condition: 'service_healthy' },
      });
    }
  });

  it('publishes only the api beyond this host; the Temporal UI is read-only on 127.0.0.1', () => {
    const published = Object.entries(services).flatMap(([name, s]) => ((s.ports ?? []) as string[]).map((p) => [name, String(p)] as const));
    for (const [name, port] of published) {
      if (name === 'api') continue;
      expect(`${name} ${port}`).toMatch(new RegExp(`^${name} 127\\.0\\.0\\.1:`));
    }
    expect(services['temporal-ui'].ports).toEqual(['127.0.0.1:8080:8080']);
    expect(services['temporal-ui'].environment).toMatchObject({ TEMPORAL_UI_ENABLED: 'true', TEMPORAL_DISABLE_WRITE_ACTIONS: 'true' });
    // The console: served by the api, its stuck-order links pointing at that UI.
    expect(services.api.ports).toEqual(['3000:3000']);
    expect(services.api.environment.TEMPORAL_UI_URL).toBe('${TEMPORAL_UI_URL:-http://localhost:8080}');
    expect(services.api.environment.NODE_ENV).toBe('production');
  });
});
