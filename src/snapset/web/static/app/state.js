// Who is signed in, remembered on the device so the app still opens offline.
import { api, ApiError } from '../shared/api.js';

const ME_KEY = 'snapset_me';
export const state = { me: null, offline: !navigator.onLine };

export function cachedMe() {
  try { return JSON.parse(localStorage.getItem(ME_KEY) || 'null'); } catch { return null; }
}

export function rememberMe(me) {
  state.me = me;
  try {
    if (me) localStorage.setItem(ME_KEY, JSON.stringify(me));
    else localStorage.removeItem(ME_KEY);
  } catch { /* ignore */ }
}

/** Load /me; offline, fall back to the last known answer. Returns null if signed out. */
export async function loadMe() {
  try {
    const me = await api('me');
    rememberMe(me);
    state.offline = false;
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.isNetwork) {
      state.offline = true;
      state.me = cachedMe();
      return state.me;
    }
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      rememberMe(null);
      return null;
    }
    throw err;
  }
}

/** The collector's verification status from /me (several shapes accepted). */
export function collectorStatus(me) {
  if (!me) return null;
  const c = me.collector || me;
  return c.status || c.verification_status || null;
}

/** Small cache of API answers for offline viewing (task list, task pages). */
export function cachePut(key, value) {
  try { localStorage.setItem(`snapset_cache:${key}`, JSON.stringify(value)); } catch { /* full */ }
}
export function cacheGet(key) {
  try { return JSON.parse(localStorage.getItem(`snapset_cache:${key}`) || 'null'); } catch { return null; }
}
