// Sign-up, log-in, identity verification, account (earnings, quality score, log-out)
// and the history of the collector's own submissions.
import { t, language, formatMoney, formatDate, formatNumber, reasonText } from '../shared/i18n.js';
import { api, errorText, items } from '../shared/api.js';
import { h, clear, busy, toast, errorBox, progressBar } from '../shared/ui.js';
import { state, loadMe, rememberMe, collectorStatus } from './state.js';
import * as queue from './queue.js';
import { go, signedIn } from './app.js';
import { COUNTRIES, LANGUAGES } from './countries.js';

function field(labelKey, input, hintKey) {
  return h('label', { class: 'field' },
    h('span', {}, t(labelKey)), input, hintKey ? h('small', {}, t(hintKey)) : null);
}

function formError(form) {
  let box = form.querySelector('.error-box');
  if (!box) { box = errorBox(''); box.hidden = true; form.prepend(box); }
  return (msg) => { box.textContent = msg || ''; box.hidden = !msg; };
}

export async function loginView(main) {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const form = h('form', { class: 'card narrow', id: 'login-form' },
    h('h1', {}, t('login.title')),
    field('login.username', user), field('login.password', pass), submit,
    h('p', {}, t('login.no_account'), ' ', h('a', { href: '#/signup' }, t('login.signup_link'))));
  const showError = formError(form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showError('');
    busy(submit, async () => {
      queue.setOwner(null); // nothing is sent while the session changes hands
      await api('auth/login', { method: 'POST', body: { username: user.value.trim(), password: pass.value } });
      await signedIn();
      go(collectorStatus(state.me) === 'verified' || state.me.role !== 'collector' ? '#/tasks' : '#/verify');
    }, { rethrow: true }).catch((err) => showError(errorText(err)));
  });
  clear(main).append(form);
  user.focus();
}

function phoneModelGuess() {
  const ua = navigator.userAgent;
  const m = ua.match(/Android [\d.]+; ([^;)]+?)(?: Build|\))/);
  if (m) return m[1].trim();
  if (/iPhone/.test(ua)) return 'iPhone';
  return '';
}

export async function signupView(main) {
  const names = new Intl.DisplayNames([language()], { type: 'region' });
  const langNames = new Intl.DisplayNames([language()], { type: 'language' });
  const country = h('select', { name: 'country', required: true },
    h('option', { value: '' }, t('signup.choose_country')),
    ...COUNTRIES.map((c) => [c, names.of(c) || c])
      .sort((a, b) => a[1].localeCompare(b[1], language()))
      .map(([c, n]) => h('option', { value: c }, n)));
  const langs = h('fieldset', { class: 'checks', id: 'languages' },
    h('legend', {}, t('signup.languages')),
    ...LANGUAGES.map((l) => h('label', {},
      h('input', { type: 'checkbox', name: 'languages', value: l, checked: l === language() }),
      ' ', langNames.of(l) || l)));
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, minlength: '3', autocapitalize: 'none' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: '8' });
  const phone = h('input', { name: 'phone_model', required: true, value: phoneModelGuess() });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('signup.submit'));
  const form = h('form', { class: 'card narrow', id: 'signup-form' },
    h('h1', {}, t('signup.title')),
    h('p', { class: 'muted' }, t('signup.intro')),
    field('login.username', user), field('login.password', pass, 'signup.password_hint'),
    field('signup.country', country), langs, field('signup.phone_model', phone, 'signup.phone_hint'),
    submit,
    h('p', {}, t('signup.have_account'), ' ', h('a', { href: '#/login' }, t('signup.login_link'))));
  const showError = formError(form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    showError('');
    const chosen = [...form.querySelectorAll('input[name=languages]:checked')].map((i) => i.value);
    if (!chosen.length) { showError(t('signup.need_language')); return; }
    busy(submit, async () => {
      queue.setOwner(null);
      await api('collectors/signup', {
        method: 'POST',
        body: {
          username: user.value.trim(), password: pass.value, country: country.value,
          languages: chosen, phone_model: phone.value.trim(),
        },
      });
      await signedIn();
      go('#/verify');
    }, { rethrow: true }).catch((err) => showError(errorText(err)));
  });
  clear(main).append(form);
}

function statusPill(status) {
  return h('span', { class: `pill pill-${status}`, id: 'verification-status', 'data-status': status },
    t(`status.${status}`));
}

export async function verifyView(main) {
  let me;
  try { me = await api('collectors/me'); } catch (err) {
    if (!state.me) throw err;
    me = state.me.collector || state.me;
  }
  const status = me.status || collectorStatus(state.me) || 'pending';
  const docs = items(me.documents);
  const have = new Set(docs.map((d) => d.kind));
  const box = h('section', { class: 'card narrow', id: 'verify' },
    h('h1', {}, t('verify.title')),
    h('p', {}, t('verify.status'), ' ', statusPill(status)),
    me.status_reason ? h('p', { class: 'error-box' }, reasonText(me.status_reason, me.status_reason)) : null);
  const help = { pending: 'verify.pending_help', verified: 'verify.verified_help', rejected: 'verify.rejected_help', suspended: 'verify.suspended_help' };
  box.append(h('p', { class: 'muted' }, t(help[status] || 'verify.pending_help')));
  if (status !== 'verified' && status !== 'suspended') {
    for (const [kind, capture] of [['identity', 'environment'], ['selfie', 'user']]) {
      const input = h('input', { type: 'file', accept: 'image/*', capture, id: `doc-${kind}`, class: 'visually-hidden' });
      const bar = progressBar();
      bar.el.hidden = true;
      const done = h('span', { class: `doc-state ${have.has(kind) ? 'ok' : ''}` }, have.has(kind) ? t('verify.uploaded') : t('verify.missing'));
      const pick = h('label', { for: `doc-${kind}`, class: 'button' }, t(have.has(kind) ? 'verify.replace' : 'verify.choose'));
      input.addEventListener('change', async () => {
        const file = input.files[0];
        if (!file) return;
        bar.el.hidden = false; bar.set(0.1, t('common.sending'));
        const form = new FormData();
        form.append('kind', kind);
        form.append('file', file, file.name || `${kind}.jpg`);
        try {
          await api('collectors/me/documents', { method: 'POST', body: form });
          bar.set(1, t('verify.uploaded'));
          done.textContent = t('verify.uploaded'); done.classList.add('ok');
          toast(t('verify.thanks'), 'ok');
        } catch (err) {
          bar.el.hidden = true;
          toast(errorText(err), 'error');
        }
      });
      box.append(h('div', { class: 'doc-row', 'data-kind': kind },
        h('div', {}, h('strong', {}, t(`verify.${kind}`)), h('br'), h('small', { class: 'muted' }, t(`verify.${kind}_hint`))),
        done, pick, input, bar.el));
    }
  }
  const refresh = h('button', { type: 'button', id: 'verify-refresh' }, t('verify.refresh'));
  refresh.addEventListener('click', () => busy(refresh, async () => {
    await loadMe();
    if (collectorStatus(state.me) === 'verified') go('#/tasks');
    else verifyView(main);
  }, { errorText }));
  box.append(h('div', { class: 'actions' }, refresh,
    status === 'verified' ? h('a', { href: '#/tasks', class: 'button primary' }, t('nav.tasks')) : null,
    logoutButton()));
  clear(main).append(box);
}

function logoutButton() {
  const btn = h('button', { type: 'button', id: 'logout' }, t('account.logout'));
  btn.addEventListener('click', async () => {
    const unsent = await queue.unsentCount();
    if (unsent > 0 && !(await confirmDialog(t('account.logout_unsent', { n: unsent }), t('account.logout_anyway')))) return;
    await busy(btn, async () => {
      queue.setOwner(null);
      try { await api('auth/logout', { method: 'POST' }); } catch { /* offline: forget locally */ }
      rememberMe(null);
      go('#/login');
    }, { errorText });
  });
  return btn;
}

/** An in-page confirmation dialog; resolves true when the user confirms. */
export function confirmDialog(message, okText) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: 'danger', id: 'dialog-ok' }, okText || t('common.ok'));
    const cancel = h('button', { type: 'button', id: 'dialog-cancel' }, t('common.cancel'));
    const dlg = h('dialog', { class: 'dialog', id: 'confirm-dialog' }, h('p', {}, message), h('div', { class: 'actions' }, cancel, ok));
    document.body.append(dlg);
    const close = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    ok.addEventListener('click', () => close(true));
    cancel.addEventListener('click', () => close(false));
    dlg.addEventListener('cancel', () => close(false));
    dlg.showModal();
  });
}

export async function accountView(main) {
  const me = state.me || {};
  const c = me.collector || me;
  const box = h('section', { class: 'card narrow', id: 'account' }, h('h1', {}, t('account.title')));
  box.append(h('dl', { class: 'facts' },
    h('dt', {}, t('login.username')), h('dd', {}, me.username || ''),
    c.country ? [h('dt', {}, t('signup.country')), h('dd', {}, new Intl.DisplayNames([language()], { type: 'region' }).of(c.country) || c.country)] : null,
    h('dt', {}, t('verify.status')), h('dd', {}, statusPill(collectorStatus(me) || 'pending'))));
  const earnings = h('div', { id: 'earnings', class: 'stats' }, t('common.loading'));
  box.append(h('h2', {}, t('account.earnings')), earnings, h('div', { class: 'actions' }, logoutButton()));
  clear(main).append(box);
  try {
    const e = await api('me/earnings');
    const score = e.quality_score ?? c.quality_score;
    clear(earnings).append(
      stat(t('account.earned'), formatMoney(e.earned ?? e.total ?? 0, e.currency), 'earned'),
      stat(t('account.pending'), formatNumber(e.pending_count ?? 0), 'pending'),
      stat(t('account.accepted'), formatNumber(e.accepted_count ?? 0), 'accepted'),
      stat(t('account.rejected'), formatNumber(e.rejected_count ?? 0), 'rejected'),
      stat(t('account.quality'), score == null ? '–' : formatNumber(score, { maximumFractionDigits: 2 }), 'quality'));
  } catch (err) {
    clear(earnings).append(errorBox(errorText(err)));
  }
}

function stat(label, value, key) {
  return h('div', { class: 'stat', 'data-key': key }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
}

export function verdictPill(verdict) {
  const v = verdict || 'pending';
  return h('span', { class: `pill pill-${v}`, 'data-verdict': v }, t(`verdict.${v}`));
}

export function reasonList(reasons) {
  const list = (reasons || []).filter(Boolean);
  if (!list.length) return null;
  return h('ul', { class: 'reasons' }, ...list.map((r) => {
    const code = typeof r === 'string' ? r : r.code;
    return h('li', { 'data-code': code }, reasonText(code, typeof r === 'string' ? '' : r.message));
  }));
}

export async function historyView(main) {
  const box = h('section', { class: 'card', id: 'history' }, h('h1', {}, t('history.title')));
  clear(main).append(box);
  let subs;
  try { subs = items(await api('me/submissions?limit=200')); } catch (err) {
    box.append(errorBox(errorText(err)));
    return;
  }
  if (!subs.length) { box.append(h('p', { class: 'muted' }, t('history.empty'))); return; }
  box.append(h('ul', { class: 'photo-list' }, ...subs.map((s) => {
    const verdict = s.verdict || s.status;
    return h('li', { class: 'photo-row', 'data-submission': s.submission_id ?? s.id },
      s.thumbnail_url ? h('img', { src: s.thumbnail_url, alt: '', loading: 'lazy' }) : h('div', { class: 'thumb-placeholder' }),
      h('div', {},
        h('div', {}, verdictPill(verdict), ' ', h('span', { class: 'muted' }, s.campaign_name || '')),
        h('small', { class: 'muted' }, formatDate(s.captured_at || s.created_at),
          s.review_status === 'reviewed' ? ` · ${t('history.reviewed')}` : ''),
        reasonList(s.reasons)));
  })));
}
