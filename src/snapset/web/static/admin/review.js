// Review queue: thumbnails with QC flags and scores, filters, a large view with the
// photo's metadata and its near duplicates side by side, keyboard decisions
// (A approve, R reject with a reason, arrows to move) and bulk actions.
import { t, formatDate, formatNumber, reasonText, issueText } from '../shared/i18n.js';
import { api, errorText, items } from '../shared/api.js';
import { h, clear, busy, toast, cellLabel, spinner } from '../shared/ui.js';
import { hashParams } from './admin.js';

export const REJECT_REASONS = ['blurry', 'dark', 'bright', 'wrong_subject', 'near_duplicate', 'privacy', 'not_in_cell', 'other'];

function sid(item) { return item.submission_id ?? item.id; }

export async function reviewView(main) {
  const params = hashParams();
  const campaigns = items(await api('campaigns').catch(() => []));
  const filters = {
    campaign_id: params.get('campaign') || '', verdict: params.get('verdict') || 'needs_review',
    reason: '', cell: '', collector: '',
  };
  const sel = (name, options) => {
    const s = h('select', { name, id: `filter-${name}` }, ...options.map(([v, label]) => h('option', { value: v, selected: String(filters[name]) === String(v) }, label)));
    s.addEventListener('change', () => { filters[name] = s.value; load(); });
    return s;
  };
  const txt = (name) => {
    const i = h('input', { name, id: `filter-${name}`, value: filters[name] });
    i.addEventListener('change', () => { filters[name] = i.value.trim(); load(); });
    return i;
  };
  const toolbar = h('div', { class: 'toolbar' },
    h('label', {}, t('review.campaign'), sel('campaign_id', [['', t('review.all')], ...campaigns.map((c) => [c.id, c.name])])),
    h('label', {}, t('review.verdict'), sel('verdict', [['needs_review', t('verdict.needs_review')], ['accepted', t('verdict.accepted')], ['rejected', t('verdict.rejected')], ['', t('review.all')]])),
    h('label', {}, t('review.reason'), txt('reason')),
    h('label', {}, t('review.cell'), txt('cell')),
    h('label', {}, t('review.collector'), txt('collector')));
  const grid = h('div', { class: 'thumbs', id: 'review-grid', role: 'listbox', tabindex: '0', 'aria-label': t('review.queue') });
  const large = h('aside', { class: 'large', id: 'review-large' });
  const count = h('span', { id: 'review-count', class: 'muted' });
  const bulkApprove = h('button', { type: 'button', id: 'bulk-approve' }, t('review.bulk_approve'));
  const bulkReject = h('button', { type: 'button', id: 'bulk-reject' }, t('review.bulk_reject'));
  const selectAll = h('input', { type: 'checkbox', id: 'select-all' });
  const bulkReason = h('select', { id: 'bulk-reason' }, ...REJECT_REASONS.map((r) => h('option', { value: r }, issueText(r))));
  const help = h('p', { class: 'muted' }, h('span', { class: 'kbd' }, 'A'), ` ${t('review.approve')}  `,
    h('span', { class: 'kbd' }, 'R'), ` ${t('review.reject')}  `, h('span', { class: 'kbd' }, '← →'), ` ${t('review.move')}`);
  clear(main).append(h('section', {}, h('div', { class: 'toolbar' }, h('h1', {}, t('admin.nav.review')), count), toolbar,
    h('div', { class: 'toolbar' }, h('label', { class: 'check' }, selectAll, ' ', t('review.select_all')), bulkApprove, bulkReason, bulkReject),
    help, h('div', { class: 'review-layout' }, grid, large)));

  let list = [];
  let current = 0;
  const decided = new Map();
  let rejecting = false;

  async function load() {
    clear(grid).append(h('div', { class: 'loading' }, spinner(), ' ', t('common.loading')));
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) q.set(k, v);
    q.set('limit', '200');
    try {
      list = items(await api(`review/queue?${q}`));
    } catch (err) {
      clear(grid).append(h('div', { class: 'error-box' }, errorText(err)));
      return;
    }
    current = 0;
    decided.clear();
    renderGrid();
    renderLarge();
    grid.focus();
  }

  function renderGrid() {
    count.textContent = t('review.count', { n: list.length });
    if (!list.length) { clear(grid).append(h('p', { class: 'muted' }, t('review.empty'))); return; }
    clear(grid).append(...list.map((item, i) => {
      const flags = (item.reasons || []).map((r) => (typeof r === 'string' ? r : r.code));
      const d = decided.get(sid(item));
      const box = h('input', { type: 'checkbox', class: 'pick', 'aria-label': t('review.select') });
      box.addEventListener('click', (e) => e.stopPropagation());
      const el = h('div', { class: `thumb ${i === current ? 'current' : ''} ${d ? `decided-${d}` : ''}`, role: 'option', 'data-submission': sid(item), 'aria-selected': String(i === current) },
        box, h('img', { src: item.thumbnail_url || item.image_url || '', alt: '', loading: 'lazy' }),
        h('div', { class: 'flags' }, ...flags.map((f) => h('span', { class: 'flag', title: reasonText(f), 'data-code': f }, issueText(f)))),
        h('small', { class: 'muted' }, scoreLine(item.scores)),
        d ? h('div', {}, h('span', { class: `pill pill-${d}` }, t(`review.${d}`))) : null);
      el.addEventListener('click', () => { current = i; renderGrid(); renderLarge(); });
      return el;
    }));
    const cur = grid.querySelector('.thumb.current');
    if (cur && cur.scrollIntoView) cur.scrollIntoView({ block: 'nearest' });
  }

  function scoreLine(scores) {
    if (!scores) return '';
    return Object.entries(scores).slice(0, 3).map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v, { maximumFractionDigits: 2 }) : v}`).join(' · ');
  }

  function renderLarge() {
    const item = list[current];
    if (!item) { clear(large).append(h('p', { class: 'muted' }, t('review.nothing_selected'))); return; }
    const dups = items(item.near_duplicates);
    const meta = [
      ['review.verdict', t(`verdict.${item.verdict}`)],
      ['review.cell', cellLabel(item.cell)],
      ['review.collector', item.collector || item.collector_pseudonym || ''],
      ['review.captured', formatDate(item.captured_at)],
      ['review.device', item.device ? [item.device.make, item.device.model].filter(Boolean).join(' ') : ''],
      ['review.size', item.width ? `${item.width} × ${item.height}` : ''],
      ['review.location', item.location ? `${Number(item.location.lat).toFixed(4)}, ${Number(item.location.lon).toFixed(4)}` : ''],
    ];
    clear(large).append(
      h('div', { class: 'pair' },
        h('figure', {}, h('img', { src: item.image_url || item.thumbnail_url || '', alt: '', id: 'large-image' }), h('figcaption', {}, `#${sid(item)}`)),
        dups.length ? h('figure', { id: 'near-duplicate' }, h('img', { src: dups[0].thumbnail_url || dups[0].image_url || '', alt: '' }),
          h('figcaption', {}, dups[0].distance == null
            ? t('review.near_duplicate_of', { id: dups[0].submission_id ?? dups[0].id })
            : t('review.near_duplicate', { id: dups[0].submission_id ?? dups[0].id, d: dups[0].distance }))) : null),
      h('dl', { class: 'facts' }, ...meta.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)])),
      (item.reasons || []).length ? h('ul', { class: 'reasons' }, ...item.reasons.map((r) => h('li', {}, reasonText(typeof r === 'string' ? r : r.code, r.message)))) : null,
      item.scores ? h('details', {}, h('summary', {}, t('review.scores')), h('dl', { class: 'facts' }, ...Object.entries(item.scores).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, typeof v === 'number' ? formatNumber(v, { maximumFractionDigits: 3 }) : String(v))]))) : null,
      h('div', { class: 'actions' },
        button('review.approve', 'approve-current', () => decide([item], 'approve')),
        button('review.reject', 'reject-current', () => askReason())));
  }

  function button(key, id, fn) {
    const b = h('button', { type: 'button', id, class: key.endsWith('approve') ? 'primary' : 'danger' }, t(key));
    b.addEventListener('click', fn);
    return b;
  }

  async function decide(targets, decision, reason) {
    let ids = targets.map(sid);
    try {
      if (ids.length === 1) {
        await api(`review/${ids[0]}`, { method: 'POST', body: { decision, reason_code: reason || null } });
      } else {
        const res = await api('review/bulk', { method: 'POST', body: { submission_ids: ids, decision, reason_code: reason || null } });
        if (res && Array.isArray(res.done)) ids = res.done;
        for (const f of (res && res.failed) || []) toast(`#${f.submission_id}: ${reasonText(f.code, f.message)}`, 'error');
      }
    } catch (err) {
      toast(errorText(err), 'error');
      return;
    }
    for (const id of ids) decided.set(id, decision === 'approve' ? 'approved' : 'rejected');
    toast(t(decision === 'approve' ? 'review.approved_n' : 'review.rejected_n', { n: ids.length }), 'ok');
    if (ids.length === 1 && current < list.length - 1) current += 1;
    renderGrid();
    renderLarge();
  }

  function askReason() {
    const item = list[current];
    if (!item || rejecting) return;
    rejecting = true;
    const options = REJECT_REASONS.map((r, i) => h('li', {}, h('span', { class: 'kbd' }, String(i + 1)), ' ', issueText(r)));
    const select = h('select', { id: 'reject-reason' }, ...REJECT_REASONS.map((r) => h('option', { value: r }, issueText(r))));
    const ok = h('button', { type: 'button', class: 'danger', id: 'reject-confirm' }, t('review.reject'));
    const cancel = h('button', { type: 'button', id: 'reject-cancel' }, t('common.cancel'));
    const dlg = h('dialog', { class: 'dialog', id: 'reject-dialog' }, h('h2', {}, t('review.reject_reason')),
      h('ol', { class: 'reason-keys' }, ...options), select, h('div', { class: 'actions' }, cancel, ok));
    document.body.append(dlg);
    const close = () => { dlg.close(); dlg.remove(); rejecting = false; grid.focus(); };
    ok.addEventListener('click', () => { const r = select.value; close(); decide([item], 'reject', r); });
    cancel.addEventListener('click', close);
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(); });
    dlg.addEventListener('keydown', (e) => {
      const n = Number(e.key);
      if (n >= 1 && n <= REJECT_REASONS.length) { e.preventDefault(); select.value = REJECT_REASONS[n - 1]; ok.click(); }
    });
    dlg.showModal();
    select.focus();
  }

  function onKey(e) {
    if (rejecting || e.target.matches('input[type=text], input:not([type]), textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    if (!list.length) return;
    const key = e.key;
    if (key === 'ArrowRight' || key === 'ArrowDown' || key === 'j') { current = Math.min(list.length - 1, current + 1); }
    else if (key === 'ArrowLeft' || key === 'ArrowUp' || key === 'k') { current = Math.max(0, current - 1); }
    else if (key === 'a' || key === 'A') { e.preventDefault(); decide([list[current]], 'approve'); return; }
    else if (key === 'r' || key === 'R') { e.preventDefault(); askReason(); return; }
    else if (key === ' ') {
      const box = grid.querySelectorAll('.pick')[current];
      if (box) box.checked = !box.checked;
    } else return;
    e.preventDefault();
    renderGrid();
    renderLarge();
  }
  document.addEventListener('keydown', onKey);

  function selected() {
    const boxes = [...grid.querySelectorAll('.pick')];
    return list.filter((_, i) => boxes[i] && boxes[i].checked);
  }
  selectAll.addEventListener('change', () => { for (const b of grid.querySelectorAll('.pick')) b.checked = selectAll.checked; });
  bulkApprove.addEventListener('click', () => busy(bulkApprove, async () => {
    const s = selected();
    if (!s.length) { toast(t('review.select_some')); return; }
    await decide(s, 'approve');
  }));
  bulkReject.addEventListener('click', () => busy(bulkReject, async () => {
    const s = selected();
    if (!s.length) { toast(t('review.select_some')); return; }
    await decide(s, 'reject', bulkReason.value);
  }));
  await load();
  return () => document.removeEventListener('keydown', onKey);
}
