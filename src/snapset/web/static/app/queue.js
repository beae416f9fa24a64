// The offline-safe upload queue. Every captured photo is written to IndexedDB (blob and
// metadata) BEFORE any network call, so a reload, a closed tab, a lost network or a
// restarted server never loses it. A sender drains the queue whenever the browser is
// online; each photo keeps its client `upload_id`, so a retry after an unknown outcome
// (timeout, connection reset) cannot create a second submission: the server dedups.
// Consent records are queued the same way and sent before the photos that need them.
import { api, ApiError } from '../shared/api.js';

const DB_NAME = 'snapset';
const DB_VERSION = 1;
let dbPromise = null;

function openDb() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('uploads')) {
        const s = db.createObjectStore('uploads', { keyPath: 'upload_id' });
        s.createIndex('task_id', 'task_id');
      }
      if (!db.objectStoreNames.contains('consents')) {
        db.createObjectStore('consents', { keyPath: 'consent_client_id' });
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return dbPromise;
}

function tx(store, mode, fn) {
  return openDb().then((db) => new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const s = t.objectStore(store);
    let result;
    Promise.resolve(fn(s)).then((r) => { result = r; });
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error || new Error('transaction aborted'));
  }));
}

function reqPromise(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export async function putUpload(item) { return tx('uploads', 'readwrite', (s) => s.put(item)); }
export async function getUpload(id) {
  return tx('uploads', 'readonly', (s) => reqPromise(s.get(id)));
}
export async function allUploads() {
  return tx('uploads', 'readonly', (s) => reqPromise(s.getAll()));
}
export async function deleteUpload(id) { return tx('uploads', 'readwrite', (s) => s.delete(id)); }
export async function putConsent(item) { return tx('consents', 'readwrite', (s) => s.put(item)); }
export async function allConsents() {
  return tx('consents', 'readonly', (s) => reqPromise(s.getAll()));
}
async function getConsent(id) { return tx('consents', 'readonly', (s) => reqPromise(s.get(id))); }

/** Photos captured but not yet acknowledged by the server. */
export async function unsentCount() {
  return (await allUploads()).filter((u) => u.state !== 'sent' && countable(u)).length;
}

/** Ask the browser not to evict our storage under pressure (best effort). */
export async function persistStorage() {
  try { if (navigator.storage && navigator.storage.persist) await navigator.storage.persist(); } catch { /* ignore */ }
}

const listeners = new Set();
/** Subscribe to queue changes: fn({unsent, sending, item}). */
export function onQueueChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
async function notify(item = null) {
  const all = await allUploads();
  const unsent = all.filter((u) => u.state !== 'sent' && countable(u)).length;
  for (const fn of listeners) fn({ unsent, sending, item, authNeeded });
}

/** Add a captured photo. Resolves once it is safely stored on the device. */
/**
 * Whose photos this device may send now. Every record carries the id of the collector who
 * took it; after a log-out and another collector's log-in on the same phone, the first
 * collector's photos wait for them instead of being sent under the wrong account.
 */
const NOBODY = Symbol('nobody');
let owner = NOBODY;
/** Set after /me answers; `null` (signed out, or signing in) sends nothing. */
export function setOwner(userId) { owner = userId ?? NOBODY; }
const mine = (record) => owner !== NOBODY && (record.owner_id == null || record.owner_id === owner);
// Counted in "N not sent": the signed-in collector's photos (all of them when signed out).
const countable = (record) => owner === NOBODY || mine(record);

export async function enqueue(item) {
  const full = {
    state: 'queued', attempts: 0, created_at: new Date().toISOString(), owner_id: owner === NOBODY ? null : owner, ...item,
  };
  await putUpload(full);
  await notify(full);
  kick();
  return full;
}

export async function enqueueConsent(item) {
  await putConsent({ state: 'queued', attempts: 0, owner_id: owner === NOBODY ? null : owner, ...item });
  kick();
}

let sending = false;
/** True after the server answered 401: photos wait until the collector logs in again. */
export let authNeeded = false;
let again = false;
let retryTimer = null;
const progressFns = new Map();
/** Follow byte progress of one upload: fn(fraction). */
export function onUploadProgress(uploadId, fn) { progressFns.set(uploadId, fn); }

// Send with XMLHttpRequest so the page can show upload progress.
function postForm(url, form, uploadId) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    const m = document.cookie.match(/(?:^|;\s*)snapset_csrf=([^;]+)/);
    if (m) xhr.setRequestHeader('X-CSRF-Token', decodeURIComponent(m[1]));
    xhr.timeout = 120000;
    xhr.upload.onprogress = (e) => {
      const fn = progressFns.get(uploadId);
      if (fn && e.lengthComputable) fn(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else {
        const d = data && data.detail && typeof data.detail === 'object' && !Array.isArray(data.detail) ? data.detail : {};
        reject(new ApiError(xhr.status, d.code || `http_${xhr.status}`, d.message || xhr.statusText, d));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    xhr.ontimeout = () => reject(new ApiError(0, 'network', 'timeout'));
    xhr.send(form);
  });
}

// A 4xx other than these means the server will never take this photo as it is.
const RETRYABLE = new Set([0, 401, 403, 408, 425, 429]);

async function sendConsent(c) {
  const form = new FormData();
  form.append('consent_client_id', c.consent_client_id);
  form.append('subject_name', c.subject_name);
  form.append('signed_at', c.signed_at);
  if (c.signature) form.append('signature', c.signature, 'signature.png');
  if (c.paper_form) form.append('paper_form', c.paper_form, 'consent-form.jpg');
  const res = await postForm(`/api/v1/tasks/${encodeURIComponent(c.task_id)}/consents`, form, c.consent_client_id);
  c.consent_id = res.consent_id ?? res.id;
  c.state = 'sent';
  c.signature = null; c.paper_form = null;
  await putConsent(c);
}

async function sendUpload(u) {
  let consentId = u.consent_id || null;
  if (u.consent_client_id && !consentId) {
    const c = await getConsent(u.consent_client_id);
    if (c && c.state === 'failed') {
      // The server refused the consent record: the photo must not go without it.
      u.state = 'failed';
      u.error = { code: c.error.code || 'consent_missing', message: c.error.message, status: c.error.status };
      await putUpload(u);
      await notify(u);
      return false;
    }
    if (!c || !c.consent_id) return false; // consent record first; try again later
    consentId = c.consent_id;
  }
  const form = new FormData();
  form.append('file', u.blob, u.filename || `${u.upload_id}.jpg`);
  form.append('upload_id', u.upload_id);
  if (u.captured_at) form.append('captured_at', u.captured_at);
  if (u.lat != null) form.append('lat', String(u.lat));
  if (u.lon != null) form.append('lon', String(u.lon));
  if (u.accuracy_m != null) form.append('accuracy_m', String(u.accuracy_m));
  if (consentId) form.append('consent_id', String(consentId));
  u.state = 'sending'; u.attempts += 1; u.last_attempt_at = new Date().toISOString();
  await putUpload(u);
  await notify(u);
  try {
    const res = await postForm(`/api/v1/tasks/${encodeURIComponent(u.task_id)}/uploads`, form, u.upload_id);
    u.state = 'sent';
    u.reclaimed = false;
    authNeeded = false;
    u.verdict = res.verdict;
    u.reasons = res.reasons || [];
    u.scores = res.scores || {};
    u.submission_id = res.submission_id;
    u.sent_at = new Date().toISOString();
    u.error = null;
    await putUpload(u);
    await notify(u);
    return true;
  } catch (err) {
    const code = err instanceof ApiError ? err.code : 'network';
    const status = err instanceof ApiError ? err.status : 0;
    // A claim can lapse while photos wait offline: claim the task again, then resend
    // (same upload_id). Only if the task cannot be claimed any more is the photo refused.
    if ((code === 'claim_expired' || code === 'task_not_claimed') && !u.reclaimed) {
      u.reclaimed = true;
      try {
        await api(`tasks/${encodeURIComponent(u.task_id)}/claim`, { method: 'POST' });
        u.state = 'queued';
        await putUpload(u);
        return sendUpload(u);
      } catch (claimErr) {
        if (claimErr instanceof ApiError && claimErr.isNetwork) {
          u.reclaimed = false; u.state = 'queued';
          await putUpload(u);
          throw claimErr;
        }
        err = claimErr;
      }
    }
    if (status === 401) authNeeded = true;
    const finalCode = err instanceof ApiError ? err.code : 'network';
    const finalStatus = err instanceof ApiError ? err.status : 0;
    // Permanent refusals (e.g. task closed, cell full, file refused) stay on the device
    // marked "failed" so the collector sees why; nothing is silently dropped.
    u.state = RETRYABLE.has(finalStatus) || finalStatus >= 500 ? 'queued' : 'failed';
    u.error = { code: finalCode, message: err.message, status: finalStatus };
    await putUpload(u);
    await notify(u);
    if (u.state === 'queued') throw err;
    return false;
  }
}

/** Drain the queue once; safe to call any time (re-entrant calls coalesce). */
export async function flush() {
  if (sending) { again = true; return; }
  if (!navigator.onLine) return;
  sending = true;
  let failedTransient = false;
  try {
    do {
      again = false;
      for (const c of await allConsents()) {
        if (c.state === 'sent' || c.state === 'failed' || !mine(c)) continue;
        try {
          await sendConsent(c);
        } catch (err) {
          const status = err instanceof ApiError ? err.status : 0;
          if (RETRYABLE.has(status) || status >= 500) failedTransient = true;
          else {
            c.state = 'failed';
            c.error = { code: err.code, message: err.message, status };
            await putConsent(c);
          }
        }
      }
      const pending = (await allUploads())
        .filter((u) => (u.state === 'queued' || u.state === 'sending') && mine(u))
        .sort((a, b) => a.created_at.localeCompare(b.created_at));
      for (const u of pending) {
        if (!navigator.onLine) { failedTransient = true; break; }
        try { await sendUpload(u); } catch { failedTransient = true; break; }
      }
    } while (again);
  } finally {
    sending = false;
    await notify();
  }
  pruneSent().catch(() => {});
  if (failedTransient) scheduleRetry();
}

let backoff = 2000;
function scheduleRetry() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => { kick(); }, backoff);
  backoff = Math.min(backoff * 2, 60000);
}

/** Start a send pass soon (after the current task), resetting the backoff when online. */
export function kick() {
  setTimeout(() => { flush().catch(() => scheduleRetry()); }, 0);
}

/** Retry a photo the server refused (e.g. after the collector fixed their claim). */
export async function retry(uploadId) {
  const u = await getUpload(uploadId);
  if (!u || u.state === 'sent') return;
  u.state = 'queued';
  await putUpload(u);
  kick();
}

/** Start background sending: on load, when the network returns, and periodically. */
let senderStarted = false;
export function startSender() {
  if (senderStarted) { kick(); return; }
  senderStarted = true;
  window.addEventListener('online', () => { backoff = 2000; kick(); });
  document.addEventListener('visibilitychange', () => { if (!document.hidden) kick(); });
  setInterval(() => kick(), 20000);
  // An item left in "sending" by a closed tab is simply sent again with its upload_id.
  kick();
}

/**
 * Forget photos the server already has: blobs go 10 minutes after the server's answer
 * (the thumbnail and verdict stay for display); records beyond the latest `keep` go.
 */
export async function pruneSent(keep = 200) {
  const sent = (await allUploads()).filter((u) => u.state === 'sent')
    .sort((a, b) => (b.sent_at || '').localeCompare(a.sent_at || ''));
  for (const u of sent.slice(keep)) await deleteUpload(u.upload_id);
  const cutoff = new Date(Date.now() - 10 * 60 * 1000).toISOString();
  for (const u of sent.slice(0, keep)) {
    if (u.blob && (u.sent_at || '') < cutoff) { u.blob = null; await putUpload(u); }
  }
}
