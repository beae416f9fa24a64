// Small DOM helpers shared by the collector app and the admin pages.
import { t, LANGUAGE_NAMES, language, setLanguage } from './i18n.js';

/** Create an element: h('button', {class: 'x', onclick}, 'text', child...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

/** A transient message at the bottom of the screen (role=status for screen readers). */
export function toast(message, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const el = h('div', { class: `toast toast-${kind}` }, message);
  box.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 7000 : 3500);
}

export function spinner() { return h('span', { class: 'spinner', 'aria-hidden': 'true' }); }

/** A block shown while a page loads. */
export function loading() {
  return h('div', { class: 'loading' }, spinner(), ' ', t('common.loading'));
}

/** An inline error box. */
export function errorBox(message) {
  return h('div', { class: 'error-box', role: 'alert' }, message);
}

/**
 * Run `fn` while `button` shows a spinner and is disabled; errors are shown as a toast
 * (and returned as undefined) unless `rethrow` is set.
 */
export async function busy(button, fn, { errorText, rethrow = false } = {}) {
  const old = button ? [...button.childNodes] : null;
  if (button) {
    button.disabled = true;
    button.prepend(spinner());
    button.setAttribute('aria-busy', 'true');
  }
  try {
    return await fn();
  } catch (err) {
    if (rethrow) throw err;
    toast(errorText ? errorText(err) : String(err.message || err), 'error');
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.replaceChildren(...old);
      button.removeAttribute('aria-busy');
    }
  }
}

/** The language picker shown in every header. */
export function languagePicker() {
  const sel = h('select', { id: 'lang', 'data-i18n-aria': 'common.language', 'aria-label': t('common.language') });
  for (const [code, name] of Object.entries(LANGUAGE_NAMES)) {
    const opt = h('option', { value: code }, name);
    if (code === language()) opt.selected = true;
    sel.append(opt);
  }
  sel.addEventListener('change', () => setLanguage(sel.value));
  return sel;
}

/** A progress bar (0..1); returns {el, set(fraction, label)}. */
export function progressBar() {
  const fill = h('div', { class: 'progress-fill' });
  const label = h('span', { class: 'progress-label' });
  const el = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, fill, label);
  return {
    el,
    set(fraction, text = '') {
      const pct = Math.round(Math.max(0, Math.min(1, fraction || 0)) * 100);
      fill.style.width = `${pct}%`;
      el.setAttribute('aria-valuenow', String(pct));
      label.textContent = text || `${pct}%`;
    },
  };
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Describe a quota cell {dim: value} as "dim: value · dim: value". */
export function cellLabel(cell) {
  if (!cell || typeof cell !== 'object') return String(cell ?? '');
  return Object.entries(cell).map(([k, v]) => `${k}: ${v}`).join(' · ');
}
