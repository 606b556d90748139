import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LevelFigures } from './load';
import type { TimeSpent } from './whereTimeGoes';

/*
 * What a run found, and how it is written: the JSON (everything), the Markdown table (docs/speed.md), the
 * SVG chart, and the issue's "Done when" criteria judged against this run's own ceiling.
 */

export type Phase = 'ceiling' | 'localCeiling' | 'empty' | 'polled' | 'grown';
export const PHASE_TITLES: Record<Phase, string> = {
  ceiling: 'ceiling (bare Temporal)',
  localCeiling: 'ceiling, local activities',
  empty: 'product, empty store',
  polled: 'product, buyers polling the view',
  grown: 'product, grown shop',
};

export interface Level extends LevelFigures {
  /** orders/s ÷ the ceiling's at the same concurrency (product phases). */
  ratioToCeiling: number | null;
  /** orders/s ÷ the local-activity ceiling's at the same concurrency (product phases; absent in runs before it was measured). */
  ratioToLocalCeiling?: number | null;
  /** Highest resident memory in MB: the product's API + worker summed (or the ceiling's worker), each alone, the store, Temporal. */
  rssMb: { workerAndApi: number | null; api: number | null; worker: number | null; store: number | null; temporal: number | null };
  timeSpent?: TimeSpent | null;
  /** CPU each process used over the level, per order completed, in ms (bench: the load generator itself). */
  cpuMsPerOrder?: Record<string, number | null>;
  /** The product's store commands over the level, most total time first. */
  storeCommands?: { command: string; perOrder: number; meanMs: number }[];
}

export interface Criterion {
  id: string;
  text: string;
  measured: string;
  verdict: 'PASS' | 'FAIL' | 'SKIP';
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; loadAverageAtStart: number[] };
  options: Record<string, unknown>;
  grownShop: { orders: number; keys: number; seedSeconds: number } | null;
  phases: Record<Phase, Level[]>;
  criteria: Criterion[];
}

/** The storefront counts each criterion is judged at: the issue's in a full run, the run's own levels in a smoke run. */
export interface CriteriaLevels {
  /** Throughput against the ceilings (the issue: 32). */
  share: number;
  /** Pay → keys p99 (the issue: 8). */
  latency: number;
  /** No error or timeout, throughput held near the peak (the issue: 64). */
  clean: number;
  /** The buyers polling their order's view (a level of its own, right after the same level without them). */
  viewPolls: number;
}

export const ISSUE_LEVELS: CriteriaLevels = { share: 32, latency: 8, clean: 64, viewPolls: 32 };

// ── Criteria (issues 8 and 23, "Done when"): the thresholds live here and nowhere else ─────────

export const THRESHOLDS = {
  ceilingShareAt32: 0.6,
  localCeilingShareAt32: 0.7,
  p99At8Ms: 500,
  peakShareAt64: 0.9,
  grownP99FactorAt8: 1.2,
  workerAndApiRssMb: 512,
  /** Throughput the buyers' polls of the view may cost at most. */
  viewPollsCost: 0.1,
};

export function judge(phases: Record<Phase, Level[]>, levels: CriteriaLevels = ISSUE_LEVELS): Criterion[] {
  const at = (phase: Phase, c: number) => phases[phase].find((l) => l.concurrency === c);
  const T = THRESHOLDS;
  const criteria: Criterion[] = [];
  const add = (id: string, text: string, inputs: unknown[], check: () => [boolean, string]) => {
    if (inputs.some((x) => x === undefined || x === null)) {
      criteria.push({ id, text, measured: 'not measured in this run', verdict: 'SKIP' });
      return;
    }
    const [ok, measured] = check();
    criteria.push({ id, text, measured, verdict: ok ? 'PASS' : 'FAIL' });
  };

  const { share: S, latency: L, clean: K, viewPolls: V } = levels;
  const eS = at('empty', S);
  const cS = at('ceiling', S);
  add('ceiling-share-32', `${S} storefronts: throughput ≥ ${pct(T.ceilingShareAt32)} of the ceiling`, [eS, cS], () => {
    const share = cS!.ordersPerSecond > 0 ? eS!.ordersPerSecond / cS!.ordersPerSecond : 0;
    return [share >= T.ceilingShareAt32, `${eS!.ordersPerSecond} of ${cS!.ordersPerSecond} orders/s = ${pct(share)}`];
  });

  const lS = at('localCeiling', S);
  add('local-ceiling-share-32', `${S} storefronts: throughput ≥ ${pct(T.localCeilingShareAt32)} of the local-activity ceiling`, [eS, lS], () => {
    const share = lS!.ordersPerSecond > 0 ? eS!.ordersPerSecond / lS!.ordersPerSecond : 0;
    return [share >= T.localCeilingShareAt32, `${eS!.ordersPerSecond} of ${lS!.ordersPerSecond} orders/s = ${pct(share)}`];
  });

  const eL = at('empty', L);
  // A level that ran but completed no order has no p99: that is a failure, not "not measured".
  add('p99-8', `${L} storefronts: notice → keys p99 ≤ ${T.p99At8Ms / 1000} s`, [eL], () =>
    eL!.latencyMs.p99 == null ? [false, 'no order completed'] : [eL!.latencyMs.p99 <= T.p99At8Ms, `p99 ${secs(eL!.latencyMs.p99)}`],
  );

  const cL = at('ceiling', L);
  add('p99-8-ceiling', `${L} storefronts: pay → keys p99 ≤ the ceiling's (regular activities) p99, same run`, [eL, cL?.latencyMs.p99], () =>
    eL!.latencyMs.p99 == null ? [false, 'no order completed'] : [eL!.latencyMs.p99 <= cL!.latencyMs.p99!, `p99 ${secs(eL!.latencyMs.p99)} vs the ceiling's ${secs(cL!.latencyMs.p99)}`],
  );

  const eK = at('empty', K);
  const peak = Math.max(0, ...phases.empty.map((l) => l.ordersPerSecond));
  add('clean-64', `${K} storefronts: no error, no timeout, throughput ≥ ${pct(T.peakShareAt64)} of the peak`, [eK], () => {
    const share = peak > 0 ? eK!.ordersPerSecond / peak : 0;
    return [
      eK!.errors === 0 && eK!.timeouts === 0 && share >= T.peakShareAt64,
      `${eK!.errors} errors, ${eK!.timeouts} timeouts, ${eK!.ordersPerSecond} of peak ${peak} orders/s = ${pct(share)}`,
    ];
  });

  const gL = at('grown', L);
  const eLp99 = eL?.latencyMs.p99;
  add('grown-p99-8', `grown shop, ${L} storefronts: p99 within ${T.grownP99FactorAt8}× the empty store's`, [gL, eLp99], () => {
    if (gL!.latencyMs.p99 == null) return [false, 'no order completed on the grown shop'];
    const factor = gL!.latencyMs.p99! / Math.max(1, eLp99!);
    return [factor <= T.grownP99FactorAt8, `p99 ${secs(gL!.latencyMs.p99)} vs ${secs(eLp99!)} = ${factor.toFixed(2)}×`];
  });

  const eV = at('empty', V);
  const pV = at('polled', V);
  const pollMs = pV?.viewPolls ? ` every ${Math.round((1000 * V) / Math.max(1, pV.viewPolls.perSecond))} ms` : '';
  add('view-polls', `${V} storefronts: buyers polling their order's view cost ≤ ${pct(T.viewPollsCost)} of throughput`, [eV, pV], () => {
    if (eV!.ordersPerSecond === 0) return [false, 'no order completed inside the window without polls: nothing to compare with'];
    const cost = 1 - pV!.ordersPerSecond / eV!.ordersPerSecond;
    const polls = pV!.viewPolls ? `; ${pV!.viewPolls.perSecond} view reads/s answered (one a buyer${pollMs}), ${pV!.viewPolls.failed} failed` : '; no view read answered';
    return [cost <= T.viewPollsCost && (pV!.viewPolls?.answered ?? 0) > 0 && pV!.viewPolls!.failed === 0, `${pV!.ordersPerSecond} vs ${eV!.ordersPerSecond} orders/s without = ${pct(Math.max(0, cost))} less${polls}`];
  });

  const product = [...phases.empty, ...phases.polled, ...phases.grown];
  const rss = product.map((l) => l.rssMb.workerAndApi).filter((x): x is number => x !== null);
  add('rss', `worker + API RSS ≤ ${T.workerAndApiRssMb} MB throughout`, [product.length && rss.length === product.length ? rss : undefined], () => {
    const max = Math.max(...rss);
    return [max <= T.workerAndApiRssMb, `max ${max} MB`];
  });
  return criteria;
}

// ── Text ────────────────────────────────────────────────────────────────────────────────────────

const HEADER = ['phase', 'storefronts', 'orders/s', '× ceiling', '× local ceiling', 'p50', 'p95', 'p99', 'errors', 'timeouts', 'worker+API RSS', 'store RSS', 'load'];

function rows(results: BenchResults): string[][] {
  return (Object.keys(PHASE_TITLES) as Phase[]).flatMap((phase) =>
    results.phases[phase].map((l) => [
      PHASE_TITLES[phase],
      String(l.concurrency),
      l.ordersPerSecond.toFixed(2),
      l.ratioToCeiling === null ? '—' : pct(l.ratioToCeiling),
      l.ratioToLocalCeiling == null ? '—' : pct(l.ratioToLocalCeiling),
      secs(l.latencyMs.p50),
      secs(l.latencyMs.p95),
      secs(l.latencyMs.p99),
      String(l.errors),
      String(l.timeouts),
      mb(l.rssMb.workerAndApi),
      mb(l.rssMb.store),
      l.loadAverage.toFixed(1),
    ]),
  );
}

export function textTable(results: BenchResults): string {
  const all = [HEADER, ...rows(results)];
  const widths = HEADER.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(results).map(line)].join('\n');
}

export function criteriaText(criteria: Criterion[]): string {
  return criteria.map((c) => `${c.verdict.padEnd(4)}  ${c.text}: ${c.measured}`).join('\n');
}

export function markdown(results: BenchResults): string {
  const table = [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
    ...rows(results).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const o = results.options;
  const grown = results.grownShop ? `${results.grownShop.orders.toLocaleString('en')} finished orders and ${results.grownShop.keys.toLocaleString('en')} keys seeded in ${results.grownShop.seedSeconds} s` : 'not run';
  const steps = (Object.keys(PHASE_TITLES) as Phase[])
    .flatMap((phase) =>
      results.phases[phase]
        .filter((l) => l.timeSpent)
        .map((l) => {
          const t = l.timeSpent!;
          const top = t.steps.slice(0, 6).map((s) => `${s.step} ×${s.perOrder} (queue ${s.queueMs} ms, run ${s.runMs} ms)`).join('; ');
          return `- ${PHASE_TITLES[phase]}, ${l.concurrency} storefronts (${t.orders} orders): signal → idle ${t.signalToIdleMs} ms; ${top}`;
        }),
    );
  const cpu = (Object.keys(PHASE_TITLES) as Phase[]).flatMap((phase) =>
    results.phases[phase]
      .filter((l) => l.cpuMsPerOrder)
      .map((l) => `- ${PHASE_TITLES[phase]}, ${l.concurrency} storefronts: ${Object.entries(l.cpuMsPerOrder!).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${v} ms`).join(', ')}`),
  );
  const commands = (Object.keys(PHASE_TITLES) as Phase[]).flatMap((phase) =>
    results.phases[phase]
      .filter((l) => l.storeCommands?.length)
      .map((l) => `- ${PHASE_TITLES[phase]}, ${l.concurrency} storefronts: ${l.storeCommands!.map((c) => `\`${c.command}\` ×${c.perOrder} (${c.meanMs} ms)`).join('; ')}`),
  );
  return [
    `Run of ${results.startedAt} (${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}, load average at start ${results.machine.loadAverageAtStart.join(' ')}); ${o.seconds} s per level; latency is payment notice → keys fetchable (${o.keysWaitSeconds ? `the buyer asks with ?wait=${o.keysWaitSeconds}, and again ${o.pollMs} ms after a 409` : `the buyer polls every ${o.pollMs} ms`}); grown shop: ${grown}. The ceilings' latency is payment signal → workflow completed. ${results.phases.polled.length ? `In "${PHASE_TITLES.polled}" each buyer also reads its order's view (\`GET /v1/orders/:id\`) every ${o.viewPollMs} ms from the order's creation until its keys come. ` : ''}"load" is the machine's 1-minute load average as the level ended (2 cores: above 2, other work competed).`,
    '',
    table,
    '',
    '| criterion | measured | verdict |',
    '|---|---|---|',
    ...results.criteria.map((c) => `| ${c.text} | ${c.measured} | ${c.verdict} |`),
    '',
    ...(cpu.length ? ['CPU time per order delivered, by process (2 cores: 2,000 ms of CPU a second in all):', '', ...cpu, ''] : []),
    ...(commands.length ? ['The product\'s store commands, most total time first (per order, mean time each):', '', ...commands, ''] : []),
    ...(steps.length ? ['Where an order\'s time goes after its payment signal (sampled histories, per step kind: calls per order, wait in the task queue, run):', '', ...steps, ''] : []),
  ].join('\n');
}

// ── Chart ───────────────────────────────────────────────────────────────────────────────────────

const COLORS: Record<Phase, string> = { ceiling: '#888888', localCeiling: '#2ca02c', empty: '#1f77b4', polled: '#9467bd', grown: '#ff7f0e' };

/** Two panels against concurrency: orders/s, and notice → keys p99 in seconds. */
export function chart(results: BenchResults): string {
  const levels = [...new Set((Object.values(results.phases) as Level[][]).flat().map((l) => l.concurrency))].sort((a, b) => a - b);
  const W = 420;
  const H = 300;
  const M = { left: 56, right: 16, top: 34, bottom: 44 };
  const panel = (x0: number, title: string, value: (l: Level) => number | null, unit: string) => {
    const values = (Object.keys(PHASE_TITLES) as Phase[]).flatMap((p) => results.phases[p].map(value)).filter((v): v is number => v !== null);
    const top = niceCeil(Math.max(1e-9, ...values));
    const x = (c: number) => x0 + M.left + (levels.length === 1 ? 0.5 : levels.indexOf(c) / (levels.length - 1)) * (W - M.left - M.right);
    const y = (v: number) => M.top + (1 - v / top) * (H - M.top - M.bottom);
    const out: string[] = [`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`];
    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      out.push(`<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${x0 + M.left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
    }
    for (const c of levels) out.push(`<text x="${x(c)}" y="${H - M.bottom + 16}" text-anchor="middle">${c}</text>`);
    out.push(`<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle">concurrent storefronts</text>`);
    out.push(`<text x="${x0 + 14}" y="${M.top + (H - M.top - M.bottom) / 2}" text-anchor="middle" transform="rotate(-90 ${x0 + 14} ${M.top + (H - M.top - M.bottom) / 2})">${unit}</text>`);
    for (const phase of Object.keys(PHASE_TITLES) as Phase[]) {
      const points = results.phases[phase].filter((l) => value(l) !== null).map((l) => [x(l.concurrency), y(value(l) as number)]);
      if (points.length === 0) continue;
      out.push(`<polyline fill="none" stroke="${COLORS[phase]}" stroke-width="2" points="${points.map((p) => p.join(',')).join(' ')}"/>`);
      for (const [px, py] of points) out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${COLORS[phase]}"/>`);
    }
    return out.join('\n');
  };
  const legend = (Object.keys(PHASE_TITLES) as Phase[])
    .map((p, i) => {
      // Three to a row.
      const [x, y] = [60 + (i % 3) * 260, H + 6 + Math.floor(i / 3) * 16];
      return `<rect x="${x}" y="${y}" width="14" height="4" fill="${COLORS[p]}"/><text x="${x + 20}" y="${y + 6}">${PHASE_TITLES[p]}</text>`;
    })
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 40}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 'Throughput', (l) => l.ordersPerSecond, 'orders/s'),
    panel(W, 'Payment notice → keys, p99', (l) => (l.latencyMs.p99 === null ? null : l.latencyMs.p99 / 1000), 'seconds'),
    legend,
    '</svg>',
    '',
  ].join('\n');
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) as number) * p;
}

function fmt(v: number): string {
  return v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2);
}

// ── The figures docs/capacity.md cites ──────────────────────────────────────────────────────────

/** The CPU an order costs each kind of process, and what the box did, at one product level. */
export interface CapacityLevel {
  phase: Phase;
  storefronts: number;
  ordersPerSecond: number;
  /** ms of CPU per order delivered, of all processes of each kind (api, worker, store, temporal). */
  cpuMsPerOrder: Record<string, number | null>;
  /** api + worker + store + temporal. */
  productCpuMsPerOrder: number | null;
  /** What the machine's cores could carry at that cost: cpus × 1,000 ÷ productCpuMsPerOrder. */
  ordersPerSecondByCpu: number | null;
  p99Ms: number | null;
  rssMb: Level['rssMb'];
}

export interface CapacityFigures {
  /** Which run: the bench's start, so a page quoting these can say so. */
  run: string;
  machine: BenchResults['machine'];
  deployment: { apis: unknown; workers: unknown; secondsPerLevel: unknown };
  /** The level the capacity page reads (the criteria's throughput level: 32 storefronts in a full run), empty store then grown shop. */
  levels: CapacityLevel[];
  /** Every product level, for a page that reads another. */
  allLevels: CapacityLevel[];
}

const PRODUCT_PROCESSES = ['api', 'worker', 'store', 'temporal'];

export function capacityFigures(results: BenchResults, at: number): CapacityFigures {
  const of = (phase: Phase, l: Level): CapacityLevel => {
    const cpu = Object.fromEntries(PRODUCT_PROCESSES.map((k) => [k, l.cpuMsPerOrder?.[k] ?? null]));
    const parts = Object.values(cpu);
    const total = parts.every((v) => v !== null) ? parts.reduce((a, b) => a! + b!, 0) : null;
    return {
      phase,
      storefronts: l.concurrency,
      ordersPerSecond: l.ordersPerSecond,
      cpuMsPerOrder: cpu,
      productCpuMsPerOrder: total,
      ordersPerSecondByCpu: total ? Math.round((results.machine.cpus * 1000 * 10) / total) / 10 : null,
      p99Ms: l.latencyMs.p99,
      rssMb: l.rssMb,
    };
  };
  const product: Phase[] = ['empty', 'polled', 'grown'];
  // A run recorded before a phase existed has none of it.
  const allLevels = product.flatMap((phase) => (results.phases[phase] ?? []).map((l) => of(phase, l)));
  return {
    run: results.startedAt,
    machine: results.machine,
    // Runs before --apis and --workers were one of each.
    deployment: { apis: results.options.apis ?? 1, workers: results.options.workers ?? 1, secondsPerLevel: results.options.seconds },
    levels: allLevels.filter((l) => l.storefronts === at && l.phase !== 'polled'),
    allLevels,
  };
}

/** The capacity figures as the Markdown table docs/capacity.md links to. */
export function capacityMarkdown(f: CapacityFigures): string {
  const row = (l: CapacityLevel) => {
    const c = l.cpuMsPerOrder;
    const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);
    return `| ${PHASE_TITLES[l.phase]} | ${l.storefronts} | ${l.ordersPerSecond} | ${ms(c.api)} | ${ms(c.worker)} | ${ms(c.store)} | ${ms(c.temporal)} | ${ms(l.productCpuMsPerOrder)} | ${l.ordersPerSecondByCpu ?? '—'} | ${secs(l.p99Ms)} |`;
  };
  const header = ['| phase | storefronts | orders/s | CPU api | CPU worker | CPU store | CPU Temporal | CPU in all | orders/s the cores allow | p99 |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  return [
    `Capacity figures of the bench run of ${f.run} (${f.machine.cpus} × ${f.machine.cpuModel}, load average at start ${f.machine.loadAverageAtStart.join(' ')}; ${f.deployment.apis} API and ${f.deployment.workers} worker processes; ${f.deployment.secondsPerLevel} s a level). CPU is per order delivered, of every process of the kind; "orders/s the cores allow" is ${f.machine.cpus} × 1,000 ms ÷ the CPU in all. Written by \`npm run bench\` (bench/results.ts, capacityFigures); the whole run is in latest.md beside this file.`,
    '',
    'The level the capacity page reads:',
    '',
    ...header,
    ...f.levels.map(row),
    '',
    'Every product level of the run:',
    '',
    ...header,
    ...f.allLevels.map(row),
    '',
  ].join('\n');
}

// ── Files ───────────────────────────────────────────────────────────────────────────────────────

export function writeResults(dir: string, results: BenchResults, capacityAt = ISSUE_LEVELS.share): string[] {
  mkdirSync(dir, { recursive: true });
  const capacity = capacityFigures(results, capacityAt);
  const files: [string, string][] = [
    ['latest.json', `${JSON.stringify(results, null, 2)}\n`],
    ['latest.md', markdown(results)],
    ['latest.svg', chart(results)],
    ['capacity.json', `${JSON.stringify(capacity, null, 2)}\n`],
    ['capacity.md', capacityMarkdown(capacity)],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function secs(ms: number | null): string {
  return ms === null ? '—' : `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`;
}

function mb(x: number | null): string {
  return x === null ? '—' : `${Math.round(x)} MB`;
}
