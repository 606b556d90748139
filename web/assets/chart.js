import { html } from '/console/vendor/preact.js';

/*
 * Charts drawn as inline SVG: no library to load, nothing from elsewhere, and SVG attributes only
 * (no inline style), so the page's strict CSP holds. They scale with their box (viewBox), so one
 * drawing fits a desk and a phone.
 */

/** Roughly how wide a label is drawn at 12px: wide (CJK) characters about 12px, others about 7px. */
function textWidth(text) {
  let width = 0;
  for (const ch of String(text)) width += /[\u2E80-\uFFFF]/.test(ch) ? 12 : 7.2;
  return width;
}

/**
 * Horizontal bars, one row per item: its label on a line of its own (a long SKU is never cut;
 * set in by 2 so a glyph that overhangs its start, a T, is not cut either), then its bar scaled to
 * the largest value and the value at the bar's end.
 */
export function BarChart({ items, label, value, format, title }) {
  const labelH = 16;
  const barH = 14;
  const rowH = labelH + barH + 8;
  const valueW = 70;
  const width = Math.max(360, ...items.map((item) => textWidth(label(item)) + 8));
  const barW = width - valueW;
  const max = Math.max(...items.map(value), 0) || 1;
  const h = items.length * rowH + 4;
  return html`
    <figure class="chart">
      <figcaption>${title}</figcaption>
      <svg viewBox=${`0 0 ${width} ${h}`} role="img" aria-label=${title} class="bars">
        ${items.map((item, i) => {
          const v = value(item);
          const y = i * rowH + 2;
          const w = Math.max(1, (v / max) * barW);
          return html`<g key=${label(item)} data-label=${label(item)}>
            <text x="2" y=${y + 12} class="bar-label">${label(item)}</text>
            <rect x="0" y=${y + labelH} width=${w} height=${barH} rx="3" class="bar"></rect>
            <text x=${w + 6} y=${y + labelH + 11} class="bar-value">${format(v)}</text>
          </g>`;
        })}
      </svg>
    </figure>`;
}

/**
 * Columns by day: one or two series side by side (orders and paid orders, say), the largest value
 * marked on the axis, and every few days' date under the columns. The drawing keeps one width
 * whatever the number of days (the columns narrow), so its text stays readable when it scales.
 * Each column says its day and value on hover (its SVG title) and carries them as data attributes.
 */
export function DayChart({ days, series, format = String, title, name }) {
  const width = 480;
  const top = 10;
  const plotH = 130;
  const height = top + plotH + 22;
  const max = Math.max(0, ...days.flatMap((d) => series.map((s) => s.value(d)))) || 1;
  const left = Math.ceil(Math.max(textWidth(format(max)), textWidth(format(0)))) + 10;
  const step = (width - left - 4) / Math.max(1, days.length);
  const colW = Math.max(1, (step * 0.8) / series.length);
  const labelEvery = Math.max(1, Math.ceil(44 / step));
  return html`
    <figure class="chart" data-chart=${name}>
      <figcaption>${title}</figcaption>
      ${series.length > 1 ? html`<div class="legend">${series.map((s, i) => html`<span class=${`swatch series-${i}`}>${s.label}</span>`)}</div>` : null}
      <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${title} class="columns">
        <line x1=${left} y1=${top + plotH} x2=${width} y2=${top + plotH} class="axis"></line>
        <line x1=${left} y1=${top} x2=${width} y2=${top} class="gridline"></line>
        <text x=${left - 6} y=${top + 4} text-anchor="end" class="axis-label">${format(max)}</text>
        <text x=${left - 6} y=${top + plotH} text-anchor="end" class="axis-label">${format(0)}</text>
        ${days.map((d, i) => {
          const x = left + i * step + step * 0.1;
          return html`<g key=${d.day}>
            ${series.map((s, j) => {
              const v = s.value(d);
              const h = v === 0 ? 0 : Math.max(1, (v / max) * plotH);
              return html`<rect x=${x + j * colW} y=${top + plotH - h} width=${colW} height=${h} class=${`column series-${j}`} data-day=${d.day} data-value=${v}>
                <title>${d.day} · ${s.label}: ${format(v)}</title>
              </rect>`;
            })}
            ${i % labelEvery === 0 && x + 34 <= width ? html`<text x=${x} y=${top + plotH + 16} class="axis-label">${d.day.slice(5)}</text>` : null}
          </g>`;
        })}
      </svg>
    </figure>`;
}
