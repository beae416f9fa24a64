// Exports: start an export of a campaign in a format, follow its progress bar, download.
import { t, formatDate } from '../shared/i18n.js';
import { api, errorText, items } from '../shared/api.js';
import { h, clear, busy, toast, progressBar } from '../shared/ui.js';
import { hashParams } from './admin.js';

const FORMATS = ['manifest', 'coco', 'yolo', 'voc'];
const ARCHIVES = ['zip', 'tar'];

export async function exportsView(main) {
  const campaigns = items(await api('campaigns'));
  const pre = hashParams().get('campaign');
  const campaign = h('select', { id: 'export-campaign' }, ...campaigns.map((c) => h('option', { value: c.id, selected: String(c.id) === pre }, c.name || c.id)));
  const format = h('select', { id: 'export-format' }, ...FORMATS.map((f) => h('option', { value: f }, t(`export.format.${f}`))));
  const archive = h('select', { id: 'export-archive' }, ...ARCHIVES.map((a) => h('option', { value: a }, a.toUpperCase())));
  const start = h('button', { type: 'button', class: 'primary', id: 'start-export' }, t('export.start'));
  const list = h('div', { id: 'export-list' });
  const timers = new Set();

  function follow(job, into) {
    const bar = progressBar();
    const state = h('span', { class: `pill pill-${job.status}`, 'data-status': job.status }, t(`export.status.${job.status}`));
    const link = h('span', {});
    const row = h('div', { class: 'card', 'data-export': job.id },
      h('div', { class: 'toolbar' }, h('strong', {}, `#${job.id} · ${t(`export.format.${job.format}`) || job.format}`), state, h('small', { class: 'muted' }, formatDate(job.created_at))),
      bar.el, h('div', { class: 'actions' }, link));
    into.prepend(row);
    function paint(j) {
      state.className = `pill pill-${j.status}`;
      state.dataset.status = j.status;
      state.textContent = t(`export.status.${j.status}`);
      const frac = j.status === 'done' ? 1 : j.progress || 0;
      const counts = j.total ? ` · ${t('export.photos', { done: j.status === 'done' ? j.total : j.done || 0, total: j.total })}` : '';
      bar.set(frac, j.status === 'failed' ? t('export.status.failed') : `${Math.round(frac * 100)}%${counts}`);
      clear(link);
      if (j.status === 'done') {
        link.append(h('a', { href: j.download_url || `/api/v1/exports/${j.id}/download`, class: 'button primary', download: '' }, t('export.download')));
      } else if (j.status === 'failed') {
        link.append(h('div', { class: 'error-box' }, j.error ? (j.error.message || String(j.error)) : t('export.status.failed')));
      }
    }
    paint(job);
    if (job.status === 'done' || job.status === 'failed') return;
    const timer = setInterval(async () => {
      try {
        const j = await api(`exports/${job.id}`);
        paint(j);
        if (j.status === 'done' || j.status === 'failed') { clearInterval(timer); timers.delete(timer); }
      } catch { /* keep polling; network may be back */ }
    }, 700);
    timers.add(timer);
  }

  async function loadList() {
    clear(list);
    if (!campaign.value) return;
    try {
      for (const job of items(await api(`campaigns/${campaign.value}/exports`)).reverse()) follow(job, list);
    } catch (err) { list.append(h('div', { class: 'error-box' }, errorText(err))); }
  }
  campaign.addEventListener('change', loadList);
  start.addEventListener('click', () => busy(start, async () => {
    const job = await api(`campaigns/${campaign.value}/exports`, { method: 'POST', body: { format: format.value, archive: archive.value } });
    toast(t('export.started'), 'ok');
    follow(job, list);
  }, { errorText }));
  clear(main).append(h('section', {}, h('h1', {}, t('admin.nav.exports')),
    h('div', { class: 'card toolbar' }, h('label', {}, t('review.campaign'), campaign), h('label', {}, t('export.format'), format), h('label', {}, t('export.archive'), archive), start),
    list));
  await loadList();
  return () => { for (const x of timers) clearInterval(x); };
}
