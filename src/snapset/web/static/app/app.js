// The collector app: shell (header with unsent count and language, bottom navigation),
// hash router, service worker registration and the background sender.
import { t, translateDom, onLanguageChange } from '../shared/i18n.js';
import { h, clear, languagePicker, loading, errorBox, toast } from '../shared/ui.js';
import { errorText } from '../shared/api.js';
import { state, loadMe, collectorStatus } from './state.js';
import * as queue from './queue.js';
import { loginView, signupView, verifyView, accountView, historyView } from './views-account.js';
import { tasksView, taskView } from './views-tasks.js';
import { captureView } from './capture.js';
import { consentView } from './consent.js';
import { photosView } from './photos.js';

const main = document.getElementById('main');
let cleanup = null;

const ROUTES = [
  [/^#\/login$/, loginView, { public: true }],
  [/^#\/signup$/, signupView, { public: true }],
  [/^#\/verify$/, verifyView, {}],
  [/^#\/tasks$/, tasksView, { verified: true }],
  [/^#\/task\/([^/]+)$/, taskView, { verified: true }],
  [/^#\/capture\/([^/]+)$/, captureView, { verified: true }],
  [/^#\/consent\/([^/]+)$/, consentView, { verified: true }],
  [/^#\/photos$/, photosView, {}],
  [/^#\/history$/, historyView, {}],
  [/^#\/account$/, accountView, {}],
];

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const hash = location.hash || '#/tasks';
  const match = ROUTES.map(([re, view, opts]) => [hash.match(re), view, opts]).find(([m]) => m);
  if (!match) { go('#/tasks'); return; }
  const [m, view, opts] = match;
  if (!opts.public && !state.me) { go('#/login'); return; }
  if (opts.verified && collectorStatus(state.me) && collectorStatus(state.me) !== 'verified'
      && state.me.role === 'collector') {
    go('#/verify'); return;
  }
  for (const a of document.querySelectorAll('nav.tabs a')) {
    a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
  }
  document.body.classList.toggle('signed-out', !state.me);
  clear(main).append(loading());
  try {
    const res = await view(main, ...m.slice(1));
    cleanup = typeof res === 'function' ? res : null;
  } catch (err) {
    clear(main).append(errorBox(errorText(err)));
  }
  main.focus({ preventScroll: true });
}

function header() {
  const badge = h('a', { href: '#/photos', class: 'unsent', id: 'unsent', hidden: true });
  const offline = h('span', { class: 'offline-flag', id: 'offline-flag', hidden: navigator.onLine, 'data-i18n': 'app.offline' }, t('app.offline'));
  const bar = document.getElementById('topbar');
  clear(bar).append(
    h('a', { href: '#/tasks', class: 'brand' }, 'snapset'),
    offline, badge, languagePicker(),
  );
  queue.onQueueChange(({ unsent, authNeeded }) => setUnsent(unsent, authNeeded));
  queue.unsentCount().then(setUnsent);
  window.addEventListener('online', () => { offline.hidden = true; state.offline = false; });
  window.addEventListener('offline', () => { offline.hidden = false; state.offline = true; });
}

function setUnsent(n, authNeeded = false) {
  const badge = document.getElementById('unsent');
  if (!badge) return;
  badge.hidden = n === 0;
  badge.dataset.count = String(n);
  // Signed out (session expired): the photos wait; say how to get them sent.
  const login = authNeeded || !state.me;
  badge.textContent = t(login ? 'app.login_to_send' : 'app.unsent', { n });
  badge.setAttribute('href', login ? '#/login' : '#/photos');
}

function nav() {
  const tabs = document.getElementById('tabs');
  clear(tabs).append(
    h('a', { href: '#/tasks', 'data-i18n': 'nav.tasks' }, t('nav.tasks')),
    h('a', { href: '#/photos', 'data-i18n': 'nav.photos' }, t('nav.photos')),
    h('a', { href: '#/history', 'data-i18n': 'nav.history' }, t('nav.history')),
    h('a', { href: '#/account', 'data-i18n': 'nav.account' }, t('nav.account')),
  );
}

/** Register the service worker that keeps the app shell available offline. */
async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' });
    // `ready` never resolves when service workers are blocked: never wait on it unguarded.
    await Promise.race([navigator.serviceWorker.ready, new Promise((r) => setTimeout(r, 3000))]);
    document.body.dataset.sw = navigator.serviceWorker.controller ? 'controlled' : 'registered';
  } catch {
    document.body.dataset.sw = 'unavailable';
  }
}

async function start() {
  translateDom(document);
  header();
  nav();
  onLanguageChange(() => { queue.unsentCount().then(setUnsent); route(); });
  window.addEventListener('hashchange', route);
  registerServiceWorker();
  queue.persistStorage();
  try {
    await loadMe();
  } catch (err) {
    toast(errorText(err), 'error');
  }
  queue.setOwner(state.me ? state.me.id : null);
  if (state.me) queue.startSender();
  document.body.dataset.ready = '1';
  route();
}

/** Called after login / sign-up. */
export async function signedIn() {
  await loadMe();
  queue.setOwner(state.me ? state.me.id : null);
  queue.startSender();
}

start();
