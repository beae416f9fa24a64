// Charts drawn as inline SVG in the page (no server-side image step, no library).
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = String(text);
  return el;
}

function svg(width, height, label) {
  return s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label || '' });
}

/**
 * Horizontal bars of progress against a target: rows [{label, value, target, extra}].
 * The filled part is `value`, the outline is `target`.
 */
export function progressBars(rows, { label = '', valueLabel = (r) => `${r.value} / ${r.target}` } = {}) {
  const rowH = 26; const labelW = 170; const width = 480; const barW = width - labelW - 70;
  const root = svg(width, Math.max(rowH, rows.length * rowH) + 4, label);
  rows.forEach((r, i) => {
    const y = i * rowH + 4;
    const max = Math.max(r.target || 0, r.value || 0, 1);
    const g = s('g', { 'data-row': r.label, 'data-value': r.value, 'data-target': r.target });
    g.append(s('text', { x: labelW - 6, y: y + 14, 'text-anchor': 'end' }, truncate(r.label, 30)));
    g.append(s('rect', { x: labelW, y, width: barW, height: 18, rx: 3, fill: '#eef2f0', stroke: '#c8d1cd' }));
    const frac = Math.min(1, (r.value || 0) / max);
    const full = r.target && r.value >= r.target;
    g.append(s('rect', { x: labelW, y, width: barW * frac, height: 18, rx: 3, fill: full ? '#1d7a3a' : '#0f5c4d' }));
    if (r.extra) {
      const fx = Math.min(1, ((r.value || 0) + r.extra) / max);
      g.append(s('rect', { x: labelW + barW * frac, y, width: Math.max(0, barW * (fx - frac)), height: 18, fill: '#f2b705', opacity: 0.7 }));
    }
    g.append(s('text', { x: labelW + barW + 6, y: y + 14 }, valueLabel(r)));
    g.append(s('title', {}, `${r.label}: ${valueLabel(r)}`));
    root.append(g);
  });
  return root;
}

/** Heat map for cells over two dimensions: share of target reached, white to green. */
export function heatMap(xs, ys, valueAt, { label = '' } = {}) {
  const cw = 86; const ch = 34; const left = 120; const topH = 26;
  const root = svg(left + xs.length * cw + 4, topH + ys.length * ch + 4, label);
  xs.forEach((x, i) => root.append(s('text', { x: left + i * cw + cw / 2, y: 16, 'text-anchor': 'middle' }, truncate(x, 12))));
  ys.forEach((y, j) => {
    root.append(s('text', { x: left - 6, y: topH + j * ch + 21, 'text-anchor': 'end' }, truncate(y, 16)));
    xs.forEach((x, i) => {
      const v = valueAt(x, y);
      if (!v) return;
      const frac = v.target ? Math.min(1, v.value / v.target) : 0;
      const g = s('g', { 'data-cell': `${x}|${y}`, 'data-value': v.value, 'data-target': v.target });
      g.append(s('rect', { x: left + i * cw + 1, y: topH + j * ch + 1, width: cw - 2, height: ch - 2, rx: 4,
        fill: `hsl(160, 55%, ${Math.round(96 - frac * 62)}%)`, stroke: '#c8d1cd' }));
      g.append(s('text', { x: left + i * cw + cw / 2, y: topH + j * ch + 21, 'text-anchor': 'middle',
        fill: frac > 0.6 ? '#fff' : '#1b1f1d' }, `${v.value}/${v.target}`));
      g.append(s('title', {}, `${x} · ${y}: ${v.value} / ${v.target}`));
      root.append(g);
    });
  });
  return root;
}

/** Vertical columns: points [{label, value}], with every n-th label shown. */
export function columns(points, { label = '', color = '#0f5c4d', every = 1, height = 160 } = {}) {
  const width = 420; const bottom = 22; const top = 14;
  const root = svg(width, height, label);
  const max = Math.max(1, ...points.map((p) => p.value || 0));
  const step = (width - 20) / Math.max(1, points.length);
  const bw = Math.min(48, Math.max(2, step * 0.75));
  root.append(s('line', { x1: 10, x2: width - 10, y1: height - bottom, y2: height - bottom, stroke: '#c8d1cd' }));
  points.forEach((p, i) => {
    const hgt = ((p.value || 0) / max) * (height - bottom - top);
    const x = 10 + i * step + (step - bw) / 2;
    const g = s('g', { 'data-label': p.label, 'data-value': p.value || 0 });
    g.append(s('rect', { x, y: height - bottom - hgt, width: bw, height: hgt, fill: color, rx: 2 }));
    if (p.value && points.length <= 31) g.append(s('text', { x: x + bw / 2, y: height - bottom - hgt - 3, 'text-anchor': 'middle' }, p.value));
    if (i % every === 0) g.append(s('text', { x: x + bw / 2, y: height - 6, 'text-anchor': 'middle' }, truncate(p.label, 10)));
    g.append(s('title', {}, `${p.label}: ${p.value || 0}`));
    root.append(g);
  });
  return root;
}

/** Ranked horizontal bars for counts: entries [[label, count]]. */
export function rankBars(entries, { label = '', color = '#0f5c4d', max = 10 } = {}) {
  const list = entries.slice(0, max);
  const rowH = 24; const labelW = 150; const width = 420; const barW = width - labelW - 50;
  const root = svg(width, Math.max(rowH, list.length * rowH) + 4, label);
  const top = Math.max(1, ...list.map((e) => e[1]));
  list.forEach(([name, count], i) => {
    const y = i * rowH + 4;
    const g = s('g', { 'data-label': name, 'data-value': count });
    g.append(s('text', { x: labelW - 6, y: y + 13, 'text-anchor': 'end' }, truncate(name, 20)));
    g.append(s('rect', { x: labelW, y, width: Math.max(1, (barW * count) / top), height: 16, rx: 3, fill: color }));
    g.append(s('text', { x: labelW + (barW * count) / top + 6, y: y + 13 }, count));
    root.append(g);
  });
  return root;
}

function truncate(text, n) {
  const str = String(text ?? '');
  return str.length > n ? `${str.slice(0, n - 1)}…` : str;
}
