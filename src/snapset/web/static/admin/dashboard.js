// Campaign dashboard: progress per quota cell (heat map for two dimensions, bars
// otherwise), verdict counts, reasons, photos per day, diversity and top collectors.
import { t, formatNumber, issueText } from '../shared/i18n.js';
import { api, items } from '../shared/api.js';
import { h, clear, cellLabel } from '../shared/ui.js';
import { progressBars, heatMap, columns, rankBars } from './charts.js';
import { statusPill } from './campaigns.js';
import { isAdmin } from './admin.js';

function panel(titleKey, body, id) {
  return h('section', { class: 'card chart', id }, h('h2', {}, t(titleKey)), body);
}

function entries(obj) {
  if (!obj) return [];
  if (Array.isArray(obj)) return obj.map((o) => [o.label ?? o.name ?? o.key ?? o.code, o.count ?? o.value ?? 0]);
  return Object.entries(obj).sort((a, b) => b[1] - a[1]);
}

function cellsChart(cells) {
  const dims = cells.length ? Object.keys(cells[0].cell || {}) : [];
  const accepted = (c) => c.accepted || 0;
  if (dims.length === 2) {
    const [dx, dy] = dims;
    const xs = [...new Set(cells.map((c) => String(c.cell[dx])))];
    const ys = [...new Set(cells.map((c) => String(c.cell[dy])))];
    const at = new Map(cells.map((c) => [`${c.cell[dx]}|${c.cell[dy]}`, { value: accepted(c), target: c.target }]));
    return h('div', {}, h('p', { class: 'muted' }, `${dx} × ${dy}`), heatMap(xs, ys, (x, y) => at.get(`${x}|${y}`), { label: t('dash.cells') }));
  }
  return progressBars(cells.map((c) => ({ label: cellLabel(c.cell), value: accepted(c), target: c.target || 0, extra: c.needs_review || 0 })), { label: t('dash.cells') });
}

export async function dashboardView(main, id) {
  const box = h('div', { id: 'dashboard', 'data-campaign': id });
  clear(main).append(box);
  async function render() {
    const [c, d] = await Promise.all([api(`campaigns/${id}`), api(`campaigns/${id}/dashboard`)]);
    const cells = items(d.cells);
    const v = d.verdicts || {};
    const totalTarget = cells.reduce((s, x) => s + (x.target || 0), 0);
    const totalAccepted = cells.reduce((s, x) => s + (x.accepted || 0), 0);
    const num = (key, value, label) => h('div', { class: 'stat', 'data-key': key }, h('span', { class: 'stat-value' }, formatNumber(value || 0)), h('span', { class: 'stat-label' }, label));
    const div = d.diversity || {};
    const hours = div.hour_of_day || div.time_of_day || [];
    const bright = items(div.brightness);
    clear(box).append(
      h('div', { class: 'toolbar' },
        h('h1', {}, c.name || id), statusPill(c.status),
        h('a', { href: `#/review?campaign=${id}`, class: 'button' }, t('admin.nav.review')),
        isAdmin() ? h('a', { href: `#/exports?campaign=${id}`, class: 'button' }, t('admin.nav.exports')) : null,
        c.status === 'draft' && isAdmin() ? h('a', { href: `#/campaigns/${id}/edit`, class: 'button' }, t('campaign.edit')) : null),
      h('div', { class: 'numbers stats', id: 'verdict-numbers' },
        num('accepted', v.accepted, t('verdict.accepted')),
        num('needs_review', v.needs_review, t('verdict.needs_review')),
        num('rejected', v.rejected, t('verdict.rejected')),
        num('target', totalTarget, t('dash.target_total')),
        num('progress', totalTarget ? Math.round((100 * totalAccepted) / totalTarget) : 0, t('dash.percent_done'))),
      h('div', { class: 'panels' },
        panel('dash.cells', cells.length ? cellsChart(cells) : h('p', { class: 'muted' }, t('dash.no_cells')), 'panel-cells'),
        panel('dash.reasons', entries(d.reasons).length ? rankBars(entries(d.reasons).map(([k, n]) => [issueText(k), n]), { color: '#b3261e' }) : h('p', { class: 'muted' }, t('dash.none_yet')), 'panel-reasons'),
        panel('dash.per_day', items(d.per_day).length ? columns(items(d.per_day).map((p) => ({ label: String(p.date).slice(5), value: p.count })), { every: Math.ceil(items(d.per_day).length / 10) }) : h('p', { class: 'muted' }, t('dash.none_yet')), 'panel-days'),
        panel('dash.brightness', bright.some((b) => b.count) ? columns(bright.map((b) => ({ label: typeof b.bin === 'number' ? b.bin.toFixed(1) : String(b.bin), value: b.count })), { color: '#a35f00' }) : h('p', { class: 'muted' }, t('dash.none_yet')), 'panel-brightness'),
        panel('dash.hours', hours.some((x) => x) ? columns(hours.map((n, i) => ({ label: `${i}h`, value: n })), { every: 3, color: '#1f4f99' }) : h('p', { class: 'muted' }, t('dash.none_yet')), 'panel-hours'),
        panel('dash.devices', entries(div.devices).length ? rankBars(entries(div.devices), { color: '#5b3f99' }) : h('p', { class: 'muted' }, t('dash.none_yet')), 'panel-devices'),
        panel('dash.countries', entries(div.countries).length ? rankBars(entries(div.countries), { color: '#1d7a3a' }) : h('p', { class: 'muted' }, t('dash.none_yet')), 'panel-countries'),
        panel('dash.top_collectors', items(d.top_collectors).length ? h('table', { class: 'data', id: 'top-collectors' },
          h('thead', {}, h('tr', {}, h('th', {}, t('dash.collector')), h('th', {}, t('verdict.accepted')), h('th', {}, t('account.quality')))),
          h('tbody', {}, ...items(d.top_collectors).map((x) => h('tr', {},
            h('td', {}, x.pseudonym || x.username || x.collector || ''), h('td', {}, formatNumber(x.accepted || 0)),
            h('td', {}, x.quality_score == null ? '–' : formatNumber(x.quality_score, { maximumFractionDigits: 2 })))))) : h('p', { class: 'muted' }, t('dash.none_yet')), 'panel-collectors')));
    box.dataset.loaded = '1';
  }
  await render();
  const timer = setInterval(() => { render().catch(() => {}); }, 15000);
  return () => clearInterval(timer);
}
