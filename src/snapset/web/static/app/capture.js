// The capture page: rear camera through getUserMedia with a live framing guide, a file
// input fallback, several photos in a row, the on-device pre-check, and each photo
// stored in the offline queue before any upload starts. Per photo it then shows upload
// progress and the server's verdict with reasons.
import { t, reasonText } from '../shared/i18n.js';
import { h, clear, toast, uuid, cellLabel, progressBar } from '../shared/ui.js';
import { analyse, liveExposure } from './precheck.js';
import * as queue from './queue.js';
import { loadTask } from './views-tasks.js';
import { watchPosition, lastPosition, currentPosition } from './geo.js';
import { verdictPill, reasonList } from './views-account.js';
import { activeConsent } from './consent.js';

const hashesKey = (taskId) => `snapset_hashes:${taskId}`;
function taskHashes(taskId) {
  try { return JSON.parse(localStorage.getItem(hashesKey(taskId)) || '[]'); } catch { return []; }
}
function addHash(taskId, hash) {
  const list = taskHashes(taskId);
  list.push(hash);
  try { localStorage.setItem(hashesKey(taskId), JSON.stringify(list.slice(-500))); } catch { /* full */ }
}

function canvasToBlob(canvas, type = 'image/jpeg', quality = 0.92) {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode failed'))), type, quality));
}

async function thumbnailOf(source, w, hgt) {
  const scale = 160 / Math.max(w, hgt);
  const c = document.createElement('canvas');
  c.width = Math.round(w * scale); c.height = Math.round(hgt * scale);
  c.getContext('2d').drawImage(source, 0, 0, c.width, c.height);
  return c.toDataURL('image/jpeg', 0.7);
}

export async function captureView(main, taskId) {
  const task = await loadTask(taskId);
  let consent = null;
  if (task.consent_required) {
    consent = activeConsent(task.id);
    if (!consent) { location.hash = `#/consent/${task.id}`; return undefined; }
  }
  const limits = {};
  const cons = task.constraints || {};
  if (cons.min_width) limits.minWidth = cons.min_width;
  if (cons.min_height) limits.minHeight = cons.min_height;

  const video = h('video', { autoplay: true, playsinline: true, muted: true, id: 'viewfinder' });
  video.muted = true;
  const hint = h('div', { class: 'live-hint', id: 'live-hint', hidden: true });
  const guide = h('div', { class: 'guide', 'aria-hidden': 'true' }, h('div', { class: 'guide-frame' }));
  const stage = h('div', { class: 'stage' }, video, guide, hint);
  const shutter = h('button', { type: 'button', class: 'shutter', id: 'shutter', 'aria-label': t('capture.take') }, h('span'));
  const fileInput = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true, id: 'file-input', class: 'visually-hidden' });
  const fileLabel = h('label', { for: 'file-input', class: 'button', id: 'file-label' }, t('capture.use_file'));
  const counter = h('span', { class: 'counter', id: 'taken-count', 'data-count': '0' }, t('capture.taken', { n: 0 }));
  const strip = h('ul', { class: 'strip', id: 'strip' });
  const review = h('div', { class: 'precheck', id: 'precheck', hidden: true });
  const status = h('p', { class: 'muted', id: 'camera-status' }, t('capture.starting'));
  const top = h('div', { class: 'capture-top' },
    h('a', { href: `#/task/${task.id}`, class: 'back' }, `← ${t('capture.done')}`),
    h('span', { class: 'muted' }, cellLabel(task.cell)), counter);
  const consentBar = consent ? h('div', { class: 'notice', id: 'consent-bar' },
    t('capture.consent_for', { name: consent.subject_name }), ' ',
    h('a', { href: `#/consent/${task.id}` }, t('capture.new_subject'))) : null;
  const box = h('section', { id: 'capture', class: 'capture' }, top, consentBar, stage, status,
    h('div', { class: 'capture-controls' }, fileLabel, shutter, fileInput), review, strip);
  clear(main).append(box);

  const stopGeo = watchPosition();
  currentPosition(4000);
  let stream = null;
  let liveTimer = null;
  let taken = 0;
  const rows = new Map();

  async function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error('no getUserMedia');
    // `facingMode: 'environment'` (not {exact}) so a device without a rear camera still works.
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: 'environment', width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false,
    });
    video.srcObject = stream;
    await video.play().catch(() => {});
    await new Promise((r) => { if (video.videoWidth) r(); else video.addEventListener('loadedmetadata', r, { once: true }); });
    status.textContent = t('capture.ready');
    box.dataset.camera = 'on';
    liveTimer = setInterval(() => {
      if (!video.videoWidth) return;
      const e = liveExposure(video);
      const code = e.mean < 0.16 ? 'capture.hint_dark' : e.mean > 0.88 ? 'capture.hint_bright' : null;
      hint.hidden = !code;
      if (code) hint.textContent = t(code);
    }, 700);
  }

  function fallbackToFile() {
    box.dataset.camera = 'off';
    stage.hidden = true;
    shutter.hidden = true;
    fileLabel.classList.add('primary');
    status.textContent = t('capture.no_camera');
  }

  startCamera().catch(fallbackToFile);

  function rowFor(item) {
    let row = rows.get(item.upload_id);
    if (!row) {
      const bar = progressBar();
      row = {
        el: h('li', { class: 'strip-item', 'data-upload': item.upload_id },
          h('img', { src: item.thumb || '', alt: '' }),
          h('div', { class: 'strip-state' }), bar.el),
        bar,
      };
      rows.set(item.upload_id, row);
      strip.prepend(row.el);
      queue.onUploadProgress(item.upload_id, (f) => { row.bar.el.hidden = false; row.bar.set(f); });
    }
    const st = row.el.querySelector('.strip-state');
    row.el.dataset.state = item.state;
    clear(st);
    if (item.state === 'sent') {
      row.bar.el.hidden = true;
      row.el.dataset.verdict = item.verdict;
      st.append(verdictPill(item.verdict), reasonList(item.reasons) || '');
    } else if (item.state === 'failed') {
      row.bar.el.hidden = true;
      st.append(h('span', { class: 'pill pill-rejected' }, t('photos.refused')), ' ',
        reasonText(item.error && item.error.code, item.error && item.error.message));
    } else {
      if (item.state !== 'sending') row.bar.el.hidden = true;
      st.append(h('span', { class: 'pill' }, t(item.state === 'sending' ? 'photos.sending' : 'photos.waiting')));
    }
    return row;
  }

  const unsubscribe = queue.onQueueChange(({ item }) => {
    if (item && rows.has(item.upload_id)) rowFor(item);
  });

  async function keep(blob, width, height, check, thumb, capturedAt) {
    const pos = lastPosition();
    const item = await queue.enqueue({
      upload_id: uuid(), task_id: task.id, blob, width, height, thumb,
      captured_at: capturedAt, lat: pos ? pos.lat : null, lon: pos ? pos.lon : null,
      accuracy_m: pos ? pos.accuracy_m : null, precheck: { issues: check.issues, scores: check.scores },
      consent_client_id: consent ? consent.consent_client_id : null,
      consent_id: consent ? consent.consent_id || null : null,
    });
    addHash(task.id, check.hash);
    taken += 1;
    counter.dataset.count = String(taken);
    counter.textContent = t('capture.taken', { n: taken });
    rowFor(item);
  }

  /** Show a photo that failed the pre-check; the collector retakes or sends anyway. */
  function offerRetake(blob, width, height, check, thumb, capturedAt) {
    review.hidden = false;
    const retake = h('button', { type: 'button', class: 'primary', id: 'retake' }, t('capture.retake'));
    const send = h('button', { type: 'button', id: 'send-anyway' }, t('capture.send_anyway'));
    clear(review).append(
      h('img', { src: thumb, alt: '' }),
      h('div', {}, h('strong', {}, t('capture.precheck_failed')),
        h('ul', { class: 'reasons' }, ...check.issues.map((code) => h('li', { 'data-code': code }, reasonText(code)))),
        h('div', { class: 'actions' }, retake, send)));
    shutter.disabled = true;
    review.scrollIntoView({ block: 'center', behavior: 'smooth' });
    const done = () => { review.hidden = true; clear(review); shutter.disabled = false; };
    retake.addEventListener('click', () => { done(); toast(t('capture.discarded')); });
    send.addEventListener('click', async () => {
      done();
      await keep(blob, width, height, check, thumb, capturedAt);
    });
  }

  async function handle(source, width, height, blob) {
    const capturedAt = new Date().toISOString();
    const check = analyse(source, width, height, taskHashes(task.id), limits);
    const thumb = await thumbnailOf(source, width, height);
    const photo = blob || await canvasToBlob(source);
    box.dataset.lastPrecheck = check.ok ? 'ok' : check.issues.join(' ');
    if (check.ok) await keep(photo, width, height, check, thumb, capturedAt);
    else offerRetake(photo, width, height, check, thumb, capturedAt);
  }

  shutter.addEventListener('click', async () => {
    if (!video.videoWidth || shutter.disabled) return;
    shutter.disabled = true;
    try {
      const canvas = document.createElement('canvas');
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      canvas.getContext('2d').drawImage(video, 0, 0);
      box.classList.add('flash');
      setTimeout(() => box.classList.remove('flash'), 150);
      await handle(canvas, canvas.width, canvas.height);
    } catch (err) {
      toast(t('capture.failed', { error: err.message }), 'error');
    } finally {
      if (review.hidden) shutter.disabled = false;
    }
  });

  fileInput.addEventListener('change', async () => {
    for (const file of fileInput.files) {
      try {
        const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
        // The original file is sent as it is (the server reads its EXIF); the bitmap is
        // only for the pre-check and the thumbnail.
        await handle(bitmap, bitmap.width, bitmap.height, file);
        if (!review.hidden) await new Promise((r) => { const o = new MutationObserver(() => { if (review.hidden) { o.disconnect(); r(); } }); o.observe(review, { attributes: true }); });
      } catch {
        toast(t('capture.unreadable', { name: file.name }), 'error');
      }
    }
    fileInput.value = '';
  });

  return () => {
    clearInterval(liveTimer);
    unsubscribe();
    stopGeo();
    if (stream) for (const track of stream.getTracks()) track.stop();
  };
}
