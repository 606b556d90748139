/**
 * The dependency check of `npm test` (test/unit/dependencyAdvisories.test.ts): `npm audit` cannot
 * reach its endpoint from where the suite runs, so security/advisories.json lists the advisories
 * known for packages in the tree, each with the versions it affects, and a production package the
 * lockfile resolves inside one of those ranges is a finding.
 *
 *   npx tsx scripts/advisories.ts      prints the findings; exits 1 when there is one
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { semver } from './semver';

const ROOT = join(__dirname, '..');
export const ADVISORIES_FILE = join(ROOT, 'security', 'advisories.json');
export const LOCKFILE = join(ROOT, 'package-lock.json');

export const SEVERITIES = ['low', 'moderate', 'high', 'critical', 'unknown'] as const;

export interface Advisory {
  package: string;
  /** The GitHub advisory id, GHSA-xxxx-xxxx-xxxx. */
  advisory: string;
  cve?: string;
  severity: (typeof SEVERITIES)[number];
  /** The versions it affects, a semver range as the advisory states it. */
  affected: string;
  /** The first fixed version of each release line. */
  fixedIn: string[];
  /** What it is, and whether and where the product reaches it. */
  why: string;
}

/** The parts of package-lock.json (lockfileVersion 2 and 3) the checks read. */
export interface Lockfile {
  packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; link?: boolean; engines?: { node?: string } | string[] }>;
}

export interface Finding {
  package: string;
  version: string;
  /** Where the lockfile puts it: node_modules/…/node_modules/<name>. */
  path: string;
  advisory: string;
  fixedIn: string[];
}

export function readAdvisories(file = ADVISORIES_FILE): Advisory[] {
  return (JSON.parse(readFileSync(file, 'utf8')) as { advisories: Advisory[] }).advisories;
}

export function readLockfile(file = LOCKFILE): Lockfile {
  return JSON.parse(readFileSync(file, 'utf8')) as Lockfile;
}

/**
 * Every package `npm ci --omit=dev` installs: all the lockfile's entries but the project itself,
 * links, and the ones marked dev only (an entry marked devOptional is kept: an optional production
 * dependency may need it).
 */
export function productionPackages(lock: Lockfile): { name: string; version: string; path: string }[] {
  return Object.entries(lock.packages).flatMap(([path, entry]) => {
    const at = path.lastIndexOf('node_modules/');
    if (at < 0 || entry.dev || entry.link || !entry.version) return [];
    return [{ name: path.slice(at + 'node_modules/'.length), version: entry.version, path }];
  });
}

/** Each production package of the lockfile inside the affected range of an advisory. */
export function findings(lock: Lockfile, advisories: Advisory[]): Finding[] {
  return productionPackages(lock).flatMap((pkg) =>
    advisories
      .filter((a) => a.package === pkg.name && semver.satisfies(pkg.version, a.affected))
      .map((a) => ({ package: pkg.name, version: pkg.version, path: pkg.path, advisory: a.advisory, fixedIn: a.fixedIn })),
  );
}

/** What is wrong with a row of the table itself: a range or version that does not parse, a fix inside its own range. */
export function tableProblems(advisories: Advisory[]): string[] {
  return advisories.flatMap((a) => {
    const name = `${a.package} ${a.advisory}`;
    const problems: string[] = [];
    if (!/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(a.advisory)) problems.push(`${name}: not a GHSA id`);
    if (a.cve !== undefined && !/^CVE-\d{4}-\d{4,}$/.test(a.cve)) problems.push(`${name}: not a CVE id`);
    if (!SEVERITIES.includes(a.severity)) problems.push(`${name}: severity ${a.severity}`);
    if (!semver.validRange(a.affected)) problems.push(`${name}: affected "${a.affected}" is not a semver range`);
    if (a.fixedIn.length === 0) problems.push(`${name}: no fixed version`);
    for (const v of a.fixedIn) {
      if (!semver.valid(v)) problems.push(`${name}: fixed version ${v} is not a version`);
      else if (semver.validRange(a.affected) && semver.satisfies(v, a.affected)) problems.push(`${name}: fixed version ${v} is inside "${a.affected}"`);
    }
    if (a.why.trim().length < 40) problems.push(`${name}: say what it is and whether the product reaches it`);
    return problems;
  });
}

if (require.main === module) {
  const found = findings(readLockfile(), readAdvisories());
  for (const f of found) process.stdout.write(`${f.path} ${f.version}: ${f.advisory}, fixed in ${f.fixedIn.join(' / ')}\n`);
  process.stdout.write(found.length === 0 ? 'no production package in the range of a listed advisory\n' : `${found.length} finding(s)\n`);
  process.exit(found.length === 0 ? 0 : 1);
}
