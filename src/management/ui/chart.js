// A small SVG line chart: series of [time ms, value] points over the last `spanMs`.
import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 160;
const PAD = { left: 48, right: 8, top: 8, bottom: 20 };

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/**
 * series: [{name, points: [[t, v], ...]}]; the legend shows each series' latest value with
 * `unit`. Returns a <figure>.
 */
export function lineChart(series, { spanMs = 10 * 60 * 1000, unit = '', now = Date.now() } = {}) {
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img' });
  const max = niceMax(Math.max(0, ...series.flatMap((x) => x.points.map((p) => p[1]))));
  const x = (t) => PAD.left + ((t - (now - spanMs)) / spanMs) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    svg.append(s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(s('text', { x: PAD.left - 4, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, fmtAxis(v)));
  }
  const minutes = Math.round(spanMs / 60000);
  svg.append(s('text', { x: PAD.left, y: H - 4, class: 'axis' }, `-${minutes} min`));
  svg.append(s('text', { x: W - PAD.right, y: H - 4, class: 'axis', 'text-anchor': 'end' }, 'now'));
  series.forEach((serie, i) => {
    const pts = serie.points.filter((p) => p[0] >= now - spanMs);
    if (pts.length === 0) return;
    const d = pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    svg.append(s('polyline', { points: d, class: `line series-${i}` }));
  });
  const legend = h(
    'ul',
    { class: 'legend' },
    series.map((serie, i) => {
      const last = serie.points.at(-1);
      return h(
        'li',
        { dataset: { series: serie.name } },
        h('span', { class: `swatch series-${i}` }),
        `${serie.name}: `,
        h('strong', {}, last ? `${fmtAxis(last[1])}${unit}` : '-')
      );
    })
  );
  return h('figure', { class: 'chart-box' }, svg, legend);
}

function fmtAxis(v) {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
