import { readFileSync } from 'node:fs';
import { loadConfig, ConfigError } from '../../config';
import { configVariables, configurationReference } from '../../config/reference';
import { CONFIGURATION_PAGE, withCurrentReference } from '../../scripts/docs';

/**
 * The configuration reference is generated from the schema the product validates its environment
 * with; docs/configuration.md carries it, and this fails when the page is stale (run `npm run docs`).
 */
describe('the configuration reference', () => {
  it('is in docs/configuration.md as the code generates it now', () => {
    const page = readFileSync(CONFIGURATION_PAGE, 'utf8');
    expect(withCurrentReference(page)).toBe(page);
  });

  it('names every variable the product reads, with a description, and the defaults the product really applies', () => {
    const variables = configVariables();
    const text = configurationReference();
    for (const v of variables) {
      expect(v.description.length).toBeGreaterThan(10);
      expect(text).toContain(`| \`${v.name}\` |`);
    }
    // Every variable the config parser knows: it names an unknown value of each as bad, so each one
    // set to garbage must be a variable of the reference (the rails' too).
    const names = new Set(variables.map((v) => v.name));
    for (const name of ['PORT', 'RESTOCK_WAIT', 'STOREFRONT_WEBHOOKS', 'REPORT_FOLD_EVERY', 'ALIPAY_APP_ID', 'EPAY_KEY', 'DEFAULT_PAYMENT_METHOD']) expect(names).toContain(name);
    // The defaults shown are the ones loadConfig applies.
    const config = loadConfig({ NODE_ENV: 'test' });
    const shown = (name: string) => variables.find((v) => v.name === name)?.default;
    expect(shown('RESTOCK_WAIT')).toBe('30m');
    expect(config.restockWaitMs).toBe(30 * 60_000);
    expect(Number(shown('MAX_REQUESTS_IN_FLIGHT'))).toBe(config.maxRequestsInFlight);
    expect(Number(shown('RATE_LIMIT_PER_MINUTE'))).toBe(config.rateLimitPerMinute);
    expect(Number(shown('LOW_STOCK_THRESHOLD'))).toBe(config.lowStockThreshold);
    expect(shown('TEMPORAL_UI_URL')).toBe(config.temporalUiUrl);
    expect(variables.find((v) => v.name === 'PAYMENT_PROVIDER')?.choices).toEqual(['sandbox', 'http']);
    // What production requires is what the reference marks.
    const required = variables.filter((v) => v.requiredInProduction).map((v) => v.name);
    let problems: string[] = [];
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([...required].sort());
  });
});
