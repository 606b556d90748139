import { html } from '/console/vendor/preact.js';

/**
 * Horizontal bars in SVG, one row per item: label, bar scaled to the largest value, value text.
 * SVG attributes only (no inline style), so the page's strict CSP holds.
 */
export function BarChart({ items, label, value, format, title }) {
  const rowH = 26;
  const labelW = 120;
  const barW = 200;
  const max = Math.max(...items.map(value), 0) || 1;
  const h = items.length * rowH + 8;
  return html`
    <figure class="chart">
      <figcaption>${title}</figcaption>
      <svg viewBox=${`0 0 ${labelW + barW + 70} ${h}`} role="img" aria-label=${title} class="bars">
        ${items.map((item, i) => {
          const v = value(item);
          const y = i * rowH + 4;
          return html`<g key=${label(item)}>
            <text x=${labelW - 6} y=${y + 16} text-anchor="end" class="bar-label">${label(item)}</text>
            <rect x=${labelW} y=${y + 3} width=${Math.max(1, (v / max) * barW)} height=${rowH - 8} rx="3" class="bar"></rect>
            <text x=${labelW + Math.max(1, (v / max) * barW) + 6} y=${y + 16} class="bar-value">${format(v)}</text>
          </g>`;
        })}
      </svg>
    </figure>`;
}
