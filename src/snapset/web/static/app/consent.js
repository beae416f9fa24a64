// Consent for campaigns that photograph people: the subject reads the consent text and
// signs on the screen (a canvas), or the collector photographs a signed paper form.
// The consent record is queued before the subject's photos and sent first; every photo
// taken for this subject carries its client id, replaced by the server's consent_id.
import { t } from '../shared/i18n.js';
import { h, clear, uuid, toast, cellLabel } from '../shared/ui.js';
import * as queue from './queue.js';
import { loadTask } from './views-tasks.js';

const KEY = (taskId) => `snapset_consent:${taskId}`;

/** The consent the collector is currently photographing for, in this task. */
export function activeConsent(taskId) {
  try { return JSON.parse(localStorage.getItem(KEY(taskId)) || 'null'); } catch { return null; }
}

function setActive(taskId, c) { localStorage.setItem(KEY(taskId), JSON.stringify(c)); }

/** A canvas the subject signs with finger, pen or mouse; returns {el, isEmpty, toBlob, clear}. */
export function signaturePad() {
  const canvas = h('canvas', { class: 'signature', id: 'signature', width: '600', height: '240', 'aria-label': t('consent.sign_here') });
  const ctx = canvas.getContext('2d');
  let drawing = false; let strokes = 0; let last = null;
  function reset() {
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.strokeStyle = '#bbb'; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(20, canvas.height - 40); ctx.lineTo(canvas.width - 20, canvas.height - 40); ctx.stroke();
    strokes = 0;
  }
  function point(e) {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  }
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = point(e);
    ctx.strokeStyle = '#111'; ctx.lineWidth = 3; ctx.lineCap = 'round';
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
    last = p; strokes += 1;
  });
  const end = () => { drawing = false; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  reset();
  return {
    el: canvas,
    isEmpty: () => strokes < 3,
    clear: reset,
    toBlob: () => new Promise((r) => canvas.toBlob(r, 'image/png')),
  };
}

export async function consentView(main, taskId) {
  const task = await loadTask(taskId);
  const text = task.consent_text || t('consent.default_text');
  const name = h('input', { id: 'subject-name', required: true, autocomplete: 'off' });
  const pad = signaturePad();
  const paper = h('input', { type: 'file', accept: 'image/*', capture: 'environment', id: 'paper-form', class: 'visually-hidden' });
  const paperState = h('span', { class: 'muted', id: 'paper-state' });
  let paperFile = null;
  paper.addEventListener('change', () => {
    paperFile = paper.files[0] || null;
    paperState.textContent = paperFile ? t('consent.paper_ready') : '';
  });
  const agree = h('input', { type: 'checkbox', id: 'consent-agree' });
  const submit = h('button', { type: 'button', class: 'primary', id: 'consent-submit' }, t('consent.confirm'));
  const clearBtn = h('button', { type: 'button', id: 'signature-clear' }, t('consent.clear'));
  clearBtn.addEventListener('click', () => pad.clear());
  const err = h('div', { class: 'error-box', role: 'alert', hidden: true });
  submit.addEventListener('click', async () => {
    err.hidden = true;
    const fail = (key) => { err.textContent = t(key); err.hidden = false; };
    if (!name.value.trim()) return fail('consent.need_name');
    if (!paperFile && !agree.checked) return fail('consent.need_agree');
    if (!paperFile && pad.isEmpty()) return fail('consent.need_signature');
    submit.disabled = true;
    const c = {
      consent_client_id: uuid(), task_id: task.id, subject_name: name.value.trim(),
      signed_at: new Date().toISOString(),
      signature: paperFile ? null : await pad.toBlob(),
      paper_form: paperFile,
    };
    await queue.enqueueConsent(c);
    setActive(task.id, { consent_client_id: c.consent_client_id, subject_name: c.subject_name });
    toast(t('consent.saved'), 'ok');
    location.hash = `#/capture/${task.id}`;
  });
  clear(main).append(h('section', { class: 'card narrow', id: 'consent' },
    h('a', { href: `#/task/${task.id}`, class: 'back' }, `← ${t('nav.tasks')}`),
    h('h1', {}, t('consent.title')),
    h('p', { class: 'muted' }, cellLabel(task.cell)),
    h('p', {}, t('consent.hand_over')),
    h('div', { class: 'consent-text', id: 'consent-text' }, ...String(text).split(/\n{2,}/).map((p) => h('p', {}, p))),
    h('label', { class: 'field' }, h('span', {}, t('consent.subject_name')), name),
    h('label', { class: 'check' }, agree, ' ', t('consent.agree')),
    h('p', {}, h('strong', {}, t('consent.sign_here'))), pad.el,
    h('div', { class: 'actions' }, clearBtn),
    h('p', { class: 'muted' }, t('consent.or_paper')),
    h('div', { class: 'actions' }, h('label', { for: 'paper-form', class: 'button' }, t('consent.photograph_form')), paper, paperState),
    err, h('div', { class: 'actions' }, submit)));
}
