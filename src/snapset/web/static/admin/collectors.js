// Collectors: the verification queue with identity documents (admins only), approve /
// reject with a reason, suspend; each collector's history and quality score.
import { t, formatDate, formatNumber, language, reasonText } from '../shared/i18n.js';
import { api, errorText, items } from '../shared/api.js';
import { h, clear, busy, toast } from '../shared/ui.js';
import { isAdmin, hashParams, go } from './admin.js';

function pill(status) { return h('span', { class: `pill pill-${status}`, 'data-status': status }, t(`status.${status}`)); }
function countryName(cc) {
  try { return new Intl.DisplayNames([language()], { type: 'region' }).of(cc) || cc; } catch { return cc || ''; }
}

export async function collectorsView(main) {
  const status = hashParams().get('status') ?? 'pending';
  const list = items(await api(`collectors${status ? `?status=${status}` : ''}`));
  const tabs = h('div', { class: 'toolbar' }, h('h1', {}, t('admin.nav.collectors')),
    ...[['pending', 'status.pending'], ['verified', 'status.verified'], ['rejected', 'status.rejected'], ['suspended', 'status.suspended'], ['', 'review.all']]
      .map(([s, key]) => h('a', { href: `#/collectors?status=${s}`, class: `button ${s === status ? 'primary' : ''}` }, t(key))));
  clear(main).append(h('section', {}, tabs,
    list.length ? h('table', { class: 'data', id: 'collectors' },
      h('thead', {}, h('tr', {}, ...['login.username', 'signup.country', 'signup.phone_model', 'campaign.status', 'account.quality', 'campaign.created'].map((k) => h('th', {}, t(k))))),
      h('tbody', {}, ...list.map((c) => h('tr', { 'data-collector': c.id },
        h('td', {}, h('a', { href: `#/collectors/${c.id}` }, c.username || c.pseudonym || c.id)),
        h('td', {}, countryName(c.country)), h('td', {}, c.phone_model || ''), h('td', {}, pill(c.status)),
        h('td', {}, c.quality_score == null ? '–' : formatNumber(c.quality_score, { maximumFractionDigits: 2 })),
        h('td', {}, formatDate(c.created_at))))))
      : h('p', { class: 'card muted' }, t('collectors.none'))));
}

export async function collectorView(main, id) {
  const c = await api(`collectors/${id}`);
  const reason = h('input', { id: 'status-reason', placeholder: t('collectors.reason_placeholder') });
  const act = (key, id2, cls, fn) => {
    const b = h('button', { type: 'button', id: id2, class: cls }, t(key));
    b.addEventListener('click', () => busy(b, async () => { await fn(); toast(t('collectors.updated'), 'ok'); go(`#/collectors/${id}?r=${Date.now()}`); }, { errorText }));
    return b;
  };
  const docs = items(c.documents);
  // The collector's own photos across campaigns (newest waiting-for-review first).
  const subs = c.submissions ? items(c.submissions)
    : items(await api(`review/queue?collector=${encodeURIComponent(id)}&limit=100`).catch(() => []));
  clear(main).append(h('section', { id: 'collector', 'data-collector': id },
    h('a', { href: '#/collectors', class: 'back' }, `← ${t('admin.nav.collectors')}`),
    h('div', { class: 'toolbar' }, h('h1', {}, c.username || c.pseudonym || id), pill(c.status)),
    h('div', { class: 'grid-2' },
      h('div', { class: 'card' },
        h('dl', { class: 'facts' },
          h('dt', {}, t('collectors.pseudonym')), h('dd', {}, c.pseudonym || ''),
          h('dt', {}, t('signup.country')), h('dd', {}, countryName(c.country)),
          h('dt', {}, t('signup.languages')), h('dd', {}, (c.languages || []).join(', ')),
          h('dt', {}, t('signup.phone_model')), h('dd', {}, c.phone_model || ''),
          h('dt', {}, t('account.quality')), h('dd', { id: 'collector-score' }, c.quality_score == null ? '–' : formatNumber(c.quality_score, { maximumFractionDigits: 2 })),
          c.status_reason ? [h('dt', {}, t('collectors.reason')), h('dd', {}, c.status_reason)] : null),
        isAdmin() ? h('div', {},
          h('label', { class: 'field' }, h('span', {}, t('collectors.reason')), reason),
          h('div', { class: 'actions' },
            c.status !== 'verified' ? act('collectors.approve', 'verify-approve', 'primary', () => api(`collectors/${id}/verify`, { method: 'POST', body: { decision: 'approve', reason: reason.value || null } })) : null,
            c.status !== 'rejected' && c.status !== 'verified' ? act('collectors.reject', 'verify-reject', 'danger', () => api(`collectors/${id}/verify`, { method: 'POST', body: { decision: 'reject', reason: reason.value || 'documents_unclear' } })) : null,
            c.status !== 'suspended' ? act('collectors.suspend', 'suspend', 'danger', () => api(`collectors/${id}/suspend`, { method: 'POST', body: { reason: reason.value || 'suspended_by_admin' } })) : null))
          : h('p', { class: 'muted' }, t('collectors.admins_only'))),
      h('div', { class: 'card' }, h('h2', {}, t('collectors.documents')),
        isAdmin() ? (docs.length ? h('div', { class: 'docs-view', id: 'documents' }, ...docs.map((d) => h('figure', {},
          h('img', { src: d.url || `/api/v1/collectors/${id}/documents/${d.id}`, alt: t(`verify.${d.kind}`) }),
          h('figcaption', {}, t(`verify.${d.kind}`), ' · ', formatDate(d.uploaded_at))))) : h('p', { class: 'muted' }, t('collectors.no_documents')))
          : h('p', { class: 'muted' }, t('collectors.admins_only')))),
    h('div', { class: 'card' }, h('h2', {}, t('history.title')),
      subs.length ? h('table', { class: 'data' }, h('tbody', {}, ...subs.map((s) => h('tr', {},
        h('td', {}, s.thumbnail_url ? h('img', { src: s.thumbnail_url, alt: '', width: '72' }) : ''),
        h('td', {}, s.campaign_name || `#${s.submission_id ?? s.id}`), h('td', {}, h('span', { class: `pill pill-${s.verdict}` }, t(`verdict.${s.verdict}`)), ' ', (s.reasons || []).map((r) => reasonText(typeof r === 'string' ? r : r.code, r.message)).join(', ')),
        h('td', {}, formatDate(s.captured_at || s.created_at))))))
        : h('p', { class: 'muted' }, t('history.empty')))));
}
