import { findings, productionPackages, readAdvisories, readLockfile, tableProblems, type Advisory, type Lockfile } from '../../scripts/advisories';

/**
 * The dependency check `npm audit` cannot do here (its endpoint is out of reach): the lockfile must
 * not resolve a production package inside the range of an advisory listed in
 * security/advisories.json. docs/security.md says how to add one.
 */
describe('the dependency check', () => {
  const advisories = readAdvisories();

  it('resolves no production package inside the affected range of a listed advisory', () => {
    expect(findings(readLockfile(), advisories)).toEqual([]);
  });

  it('lists the advisories of the packages the lockfile must not drift below, each well formed', () => {
    expect(tableProblems(advisories)).toEqual([]);
    const listed = new Set(advisories.map((a) => a.package));
    for (const name of ['proxy-addr', 'form-data', 'path-to-regexp', 'qs', 'csv-parse', 'express', 'body-parser', 'cookie', 'send', 'serve-static']) expect(listed).toContain(name);
    expect(new Set(advisories.map((a) => a.advisory)).size).toBe(advisories.length);
  });

  it('reads every production package of the lockfile, nested ones included, and no dev-only one', () => {
    const lock = readLockfile();
    const production = productionPackages(lock);
    const names = new Set(production.map((p) => p.name));
    for (const name of ['express', '@temporalio/worker', 'mongoose', 'qs', 'proxy-addr']) expect(names).toContain(name);
    expect(names).not.toContain('jest');
    expect(names).not.toContain('typescript');
    expect(production.length).toBe(Object.entries(lock.packages).filter(([path, e]) => path !== '' && !e.dev && !e.link).length);
  });

  // The check itself: one that found nothing whatever the lockfile said would pass the first test for nothing.
  it('finds a production package below its fix, nested or not, and leaves fixed and dev-only ones alone', () => {
    const table: Advisory[] = [
      { package: 'proxy-addr', advisory: 'GHSA-jqcg-44mw-7w3h', severity: 'critical', affected: '>=1.1.0 <2.0.8', fixedIn: ['2.0.8'], why: 'a trust-proxy subnet in IPv4-mapped notation trusts everyone' },
      { package: 'qs', advisory: 'GHSA-6rw7-vpxm-498p', severity: 'high', affected: '<6.14.1', fixedIn: ['6.14.1'], why: 'arrayLimit is not enforced for bracket notation in query strings' },
    ];
    const lock: Lockfile = {
      packages: {
        '': { version: '0.1.0' },
        'node_modules/proxy-addr': { version: '2.0.7' },
        'node_modules/qs': { version: '6.14.1' },
        'node_modules/body-parser/node_modules/qs': { version: '6.13.0' },
        'node_modules/some-dev-tool/node_modules/qs': { version: '6.5.0', dev: true },
      },
    };
    expect(findings(lock, table)).toEqual([
      { package: 'proxy-addr', version: '2.0.7', path: 'node_modules/proxy-addr', advisory: 'GHSA-jqcg-44mw-7w3h', fixedIn: ['2.0.8'] },
      { package: 'qs', version: '6.13.0', path: 'node_modules/body-parser/node_modules/qs', advisory: 'GHSA-6rw7-vpxm-498p', fixedIn: ['6.14.1'] },
    ]);
    expect(findings({ packages: { 'node_modules/proxy-addr': { version: '2.0.8' } } }, table)).toEqual([]);
    expect(tableProblems([{ ...table[0], advisory: 'CVE-2026-90711', affected: '<=2.0.8', why: 'short' }])).toEqual([
      'proxy-addr CVE-2026-90711: not a GHSA id',
      'proxy-addr CVE-2026-90711: fixed version 2.0.8 is inside "<=2.0.8"',
      'proxy-addr CVE-2026-90711: say what it is and whether the product reaches it',
    ]);
  });
});
