// Manager and reviewer pages: shell, sign-in and hash router.
import { t, translateDom, onLanguageChange } from '../shared/i18n.js';
import { api, errorText, ApiError } from '../shared/api.js';
import { h, clear, languagePicker, loading, errorBox, busy } from '../shared/ui.js';
import { campaignsView, campaignNewView, campaignEditView } from './campaigns.js';
import { dashboardView } from './dashboard.js';
import { reviewView } from './review.js';
import { collectorsView, collectorView } from './collectors.js';
import { exportsView } from './exports.js';

export const session = { me: null };
const main = document.getElementById('main');
let cleanup = null;

const ROUTES = [
  [/^#\/campaigns$/, campaignsView],
  [/^#\/campaigns\/new$/, campaignNewView],
  [/^#\/campaigns\/([^/]+)\/edit$/, campaignEditView],
  [/^#\/campaigns\/([^/]+)$/, dashboardView],
  [/^#\/review$/, reviewView],
  [/^#\/collectors$/, collectorsView],
  [/^#\/collectors\/([^/]+)$/, collectorView],
  [/^#\/exports$/, exportsView],
];

export function go(hash) {
  if (location.hash === hash) route(); else location.hash = hash;
}

function header() {
  // Reviewers see the campaigns assigned to them and the review queue; the rest is admin.
  const links = !session.me ? [] : session.me.role === 'admin' ? [
    ['#/campaigns', 'admin.nav.campaigns'], ['#/review', 'admin.nav.review'],
    ['#/collectors', 'admin.nav.collectors'], ['#/exports', 'admin.nav.exports'],
  ] : [['#/campaigns', 'admin.nav.campaigns'], ['#/review', 'admin.nav.review']];
  const logout = session.me ? h('button', { type: 'button', id: 'admin-logout' }, t('account.logout')) : null;
  if (logout) {
    logout.addEventListener('click', () => busy(logout, async () => {
      await api('auth/logout', { method: 'POST' });
      session.me = null;
      header();
      route();
    }, { errorText }));
  }
  clear(document.getElementById('topbar')).append(
    h('a', { href: '#/campaigns', class: 'brand' }, 'snapset ', h('small', {}, t('admin.title'))),
    h('nav', {}, ...links.map(([href, key]) => h('a', { href, 'data-route': href }, t(key)))),
    session.me ? h('span', { class: 'muted-ink' }, session.me.username) : null,
    logout, languagePicker());
  markActive();
}

function markActive() {
  for (const a of document.querySelectorAll('.topbar nav a')) {
    a.classList.toggle('active', (location.hash || '#/campaigns').startsWith(a.dataset.route));
  }
}

function loginView() {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
  const err = h('div', { class: 'error-box', role: 'alert', hidden: true });
  const form = h('form', { class: 'card narrow', id: 'login-form' }, h('h1', {}, t('admin.login_title')), err,
    h('label', { class: 'field' }, h('span', {}, t('login.username')), user),
    h('label', { class: 'field' }, h('span', {}, t('login.password')), pass), submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    err.hidden = true;
    busy(submit, async () => {
      await api('auth/login', { method: 'POST', body: { username: user.value.trim(), password: pass.value } });
      session.me = await api('me');
      if (session.me.role === 'collector') {
        err.textContent = t('admin.not_staff'); err.hidden = false;
        return;
      }
      header();
      route();
    }, { rethrow: true }).catch((e2) => { err.textContent = errorText(e2); err.hidden = false; });
  });
  clear(main).append(form);
  user.focus();
}

async function route() {
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  if (!session.me || session.me.role === 'collector') { loginView(); return; }
  const hash = (location.hash || '#/campaigns').split('?')[0];
  const found = ROUTES.map(([re, view]) => [hash.match(re), view]).find(([m]) => m);
  if (!found) { go('#/campaigns'); return; }
  markActive();
  clear(main).append(loading());
  try {
    const res = await found[1](main, ...found[0].slice(1));
    cleanup = typeof res === 'function' ? res : null;
  } catch (err) {
    clear(main).append(errorBox(errorText(err)));
  }
}

/** Query parameters after the hash route (`#/review?campaign=3`). */
export function hashParams() {
  return new URLSearchParams((location.hash.split('?')[1]) || '');
}

export function isAdmin() { return session.me && session.me.role === 'admin'; }

async function start() {
  translateDom(document);
  try {
    session.me = await api('me');
  } catch (err) {
    if (!(err instanceof ApiError && (err.status === 401 || err.status === 403))) {
      main.append(errorBox(errorText(err)));
    }
  }
  header();
  onLanguageChange(() => { header(); route(); });
  window.addEventListener('hashchange', route);
  document.body.dataset.ready = '1';
  route();
}

start();
