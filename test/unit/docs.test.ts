import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');

const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .map((f) => join(DOCS, f));

/** Markdown without its fenced code blocks: what is in them is code, not links or headings. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** The relative links of a page: `[text](target)`, web and mail addresses left out. */
function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((target) => !/^(https?|mailto):/.test(target));
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return out;
}

/** Every link of a page that does not lead to an existing file (and, with a #fragment, a heading of it). */
function broken(file: string): string[] {
  return links(readFileSync(file, 'utf8')).filter((target) => {
    const [path, fragment] = target.split('#');
    const to = path === '' ? file : resolve(dirname(file), path);
    if (!existsSync(to)) return true;
    return fragment !== undefined && to.endsWith('.md') && !anchors(readFileSync(to, 'utf8')).has(fragment);
  });
}

/**
 * The README is what a newcomer reads first: short, the two commands at the top, and a way into
 * every page of docs/. Every link in it and in docs/ leads somewhere.
 */
describe('the README and docs/', () => {
  const readme = readFileSync(README, 'utf8');

  it('the README is under 300 lines and opens with the two commands that work on a fresh clone', () => {
    expect(readme.split('\n').length).toBeLessThan(300);
    const firstBlock = /^```bash\n([\s\S]*?)^```/m.exec(readme);
    expect(readme.slice(0, firstBlock?.index).split('\n').length).toBeLessThanOrEqual(6);
    const commands = firstBlock![1].split('\n').map((line) => line.split('#')[0].trim()).filter(Boolean);
    expect(commands).toEqual(['npm start', 'npm test']);
  });

  it('every docs/*.md link of the README resolves, and every page of docs/ is linked from it', () => {
    const toDocs = links(readme).filter((target) => target.startsWith('docs/'));
    expect(toDocs.length).toBeGreaterThanOrEqual(pages.length);
    expect(broken(README)).toEqual([]);
    const linked = new Set(toDocs.map((target) => resolve(ROOT, target.split('#')[0])));
    expect(pages.filter((page) => !linked.has(page)).map((page) => relative(ROOT, page))).toEqual([]);
  });

  it('every relative link between the pages of docs/ resolves, #anchors included', () => {
    expect(pages.length).toBeGreaterThanOrEqual(10);
    expect(Object.fromEntries(pages.map((page) => [relative(ROOT, page), broken(page)]).filter(([, bad]) => bad.length > 0))).toEqual({});
  });

  it('the README stands on its own: nothing outside the repository', () => {
    for (const outside of ['../shared', '/work/', 'shared/design.md', 'shared/api-contract.md']) expect(readme).not.toContain(outside);
    expect(links(readme).filter((target) => target.startsWith('..'))).toEqual([]);
  });

  // The checker itself: a link it could not see, or an anchor it would accept wrongly, would make the checks above pass for nothing.
  it('finds a broken link and a missing anchor, and derives anchors as GitHub does', () => {
    expect(links('see [a](docs/x.md#y) and [b](https://e.x) and `[c](d.md)`\n```\n[e](f.md)\n```')).toEqual(['docs/x.md#y', 'd.md']);
    expect(anchors('# The API description (`/docs`)\n## The complaint ranking\'s ledger\n## 中文 and English\n## Repeat\n## Repeat')).toEqual(
      new Set(['the-api-description-docs', 'the-complaint-rankings-ledger', '中文-and-english', 'repeat', 'repeat-1']),
    );
    const dir = mkdtempSync(join(tmpdir(), 'kamiflow-docs-'));
    writeFileSync(join(dir, 'b.md'), '# B\n\n## Real heading\n');
    writeFileSync(join(dir, 'a.md'), '[x](missing.md) [y](b.md#nope) [z](b.md#real-heading) [w](b.md) [v](#a) [u](#nowhere)\n\n# A\n');
    expect(broken(join(dir, 'a.md'))).toEqual(['missing.md', 'b.md#nope', '#nowhere']);
  });
});
