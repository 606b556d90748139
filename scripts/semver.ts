/**
 * semver, npm's own version arithmetic, is in the tree (Babel and npm tooling depend on it) but ships
 * without types, and @types/semver is not installed: the functions the checks use, typed as its
 * documentation gives them.
 */
export const semver: {
  satisfies(version: string, range: string): boolean;
  valid(version: string): string | null;
  validRange(range: string): string | null;
  minVersion(range: string): { version: string } | null;
  major(version: string): number;
} = require('semver');
