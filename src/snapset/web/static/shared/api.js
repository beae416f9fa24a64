// Fetch wrapper for the snapset HTTP API: JSON in/out, the CSRF header from the
// readable `snapset_csrf` cookie on unsafe requests, and one error type the pages show.
import { t, reasonText } from './i18n.js';

export const API = '/api/v1';

/** An API or network failure with a stable code the pages can translate. */
export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
  /** True when the request never reached the server (offline, DNS, reset). */
  get isNetwork() { return this.status === 0; }
}

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)snapset_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : '';
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Call the API. `body` may be a plain object (sent as JSON) or FormData.
 * Returns the parsed JSON (or null for empty answers); throws ApiError.
 */
export async function api(path, { method = 'GET', body, signal, raw = false } = {}) {
  const headers = { Accept: 'application/json' };
  let payload;
  if (body instanceof FormData || body instanceof Blob) payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (UNSAFE.has(method)) headers['X-CSRF-Token'] = csrfToken();
  let res;
  try {
    res = await fetch(path.startsWith('/') ? path : `${API}/${path}`, {
      method, body: payload, headers, credentials: 'same-origin', signal,
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', t('error.network'));
  }
  if (raw && res.ok) return res;
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    const detail = data && typeof data === 'object' ? data.detail : null;
    let code = `http_${res.status}`;
    let message = typeof data === 'string' ? data : res.statusText;
    let extra = {};
    if (detail && typeof detail === 'object' && !Array.isArray(detail)) {
      code = detail.code || code;
      message = detail.message || message;
      extra = detail;
    } else if (Array.isArray(detail)) {
      // FastAPI's own 422 body: a list of {loc, msg}.
      code = 'validation_error';
      message = detail.map((d) => `${(d.loc || []).slice(1).join('.')}: ${d.msg}`).join('; ');
      extra = { errors: detail };
    } else if (typeof detail === 'string') {
      message = detail;
    }
    throw new ApiError(res.status, code, message, extra);
  }
  return data;
}

/** The text to show for an error, in the user's language. */
export function errorText(err) {
  if (err instanceof ApiError) return reasonText(err.code, err.message);
  return (err && err.message) || String(err);
}

/** Accept either a bare list or a {items: [...]} page from list endpoints. */
export function items(data) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data.items)) return data.items;
  return [];
}
