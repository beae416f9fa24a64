// Message catalogs and the chosen language. Every string a page shows comes from here;
// server reason/error codes are translated by code (`reason.<code>`), falling back to
// the server's own message for codes this catalog does not know yet.
import en from './i18n/en.js';
import es from './i18n/es.js';
import zh from './i18n/zh.js';

export const CATALOGS = { en, es, zh };
export const LANGUAGE_NAMES = { en: 'English', es: 'Español', zh: '中文' };
const STORAGE_KEY = 'snapset_lang';

/** The first of the browser's preferred languages we have a catalog for. */
export function browserLanguage(preferred = navigator.languages || [navigator.language]) {
  for (const tag of preferred) {
    const base = String(tag || '').toLowerCase().split('-')[0];
    if (CATALOGS[base]) return base;
  }
  return 'en';
}

let current = (() => {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && CATALOGS[saved]) return saved;
  } catch { /* storage blocked */ }
  return browserLanguage();
})();

const listeners = new Set();

export function language() { return current; }

/** Switch language, remember it, re-translate the DOM and notify pages. */
export function setLanguage(lang) {
  if (!CATALOGS[lang]) return;
  current = lang;
  try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* ignore */ }
  translateDom(document);
  for (const fn of listeners) fn(lang);
}

export function onLanguageChange(fn) { listeners.add(fn); }

/** Translate `key`, filling `{name}` placeholders from `params`. */
export function t(key, params = {}) {
  let s = CATALOGS[current][key];
  if (s === undefined) s = en[key];
  if (s === undefined) return key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (params[k] !== undefined ? String(params[k]) : `{${k}}`));
}

export function has(key) { return CATALOGS[current][key] !== undefined || en[key] !== undefined; }

/** A server reason or error code in the user's language. */
export function reasonText(code, fallback = '') {
  const key = `reason.${code}`;
  if (has(key)) return t(key);
  return fallback || code;
}

/** A short label for an issue / reason code (charts, flags, menus). */
export function issueText(code) {
  const key = `issue.${code}`;
  return has(key) ? t(key) : String(code);
}

/** Fill elements carrying data-i18n / data-i18n-placeholder / data-i18n-title. */
export function translateDom(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  }
}

export function formatNumber(n, opts = {}) {
  return new Intl.NumberFormat(current, opts).format(n);
}

export function formatMoney(amount, currency) {
  try {
    return new Intl.NumberFormat(current, { style: 'currency', currency: currency || 'USD' })
      .format(amount);
  } catch {
    return `${amount} ${currency || ''}`.trim();
  }
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}
