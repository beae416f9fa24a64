// Task list (the collector's country, targets left, pay, distance) and the task page
// (instructions, good and bad example photos, claim / release, start capturing).
import { t, formatMoney, formatNumber } from '../shared/i18n.js';
import { api, errorText, items } from '../shared/api.js';
import { h, clear, busy, errorBox, cellLabel, toast } from '../shared/ui.js';
import { cachePut, cacheGet } from './state.js';
import { currentPosition, distanceKm } from './geo.js';

function payText(task) {
  const p = task.pay || {};
  const amount = p.amount ?? task.pay_per_photo ?? task.pay_amount;
  if (amount == null) return '';
  return formatMoney(amount, p.currency || task.currency);
}

function remaining(task) {
  if (task.remaining != null) return task.remaining;
  if (task.target != null) return Math.max(0, task.target - (task.accepted || 0));
  return null;
}

function distanceText(task, pos) {
  let km = task.distance_km;
  if (km == null && pos && task.location && task.location.lat != null) {
    km = distanceKm(pos, task.location);
  }
  if (km == null) return null;
  return t('tasks.distance', { km: formatNumber(km, { maximumFractionDigits: km < 10 ? 1 : 0 }) });
}

export async function tasksView(main) {
  const box = h('section', { id: 'tasks' }, h('h1', {}, t('tasks.title')));
  clear(main).append(box);
  const pos = await currentPosition(1500);
  const query = pos ? `?lat=${pos.lat}&lon=${pos.lon}` : '';
  let tasks;
  try {
    tasks = items(await api(`tasks${query}`));
    cachePut('tasks', tasks);
  } catch (err) {
    tasks = cacheGet('tasks');
    if (!tasks) { box.append(errorBox(errorText(err))); return; }
    box.append(h('p', { class: 'notice' }, t('tasks.offline_copy')));
  }
  if (!tasks.length) { box.append(h('p', { class: 'muted card' }, t('tasks.empty'))); return; }
  box.append(h('ul', { class: 'task-list' }, ...tasks.map((task) => {
    const left = remaining(task);
    const dist = distanceText(task, pos);
    return h('li', {},
      h('a', { href: `#/task/${task.id}`, class: 'task-card', 'data-task': task.id },
        h('div', { class: 'task-head' },
          h('strong', {}, task.campaign_name || task.title),
          task.claimed_by_me ? h('span', { class: 'pill pill-claimed' }, t('tasks.claimed')) : null),
        h('div', { class: 'muted' }, cellLabel(task.cell)),
        h('div', { class: 'task-meta' },
          left != null ? h('span', { class: 'left' }, t('tasks.left', { n: formatNumber(left) })) : null,
          payText(task) ? h('span', { class: 'pay' }, t('tasks.pay', { amount: payText(task) })) : null,
          dist ? h('span', { class: 'distance' }, dist) : null,
          task.consent_required ? h('span', { class: 'pill' }, t('tasks.consent_needed')) : null)));
  })));
}

export async function loadTask(id) {
  try {
    const task = await api(`tasks/${encodeURIComponent(id)}`);
    cachePut(`task:${id}`, task);
    return task;
  } catch (err) {
    const cached = cacheGet(`task:${id}`);
    if (cached) return cached;
    throw err;
  }
}

export async function taskView(main, id) {
  const task = await loadTask(id);
  const box = h('section', { class: 'card', id: 'task', 'data-task': task.id });
  const left = remaining(task);
  box.append(
    h('a', { href: '#/tasks', class: 'back' }, `← ${t('nav.tasks')}`),
    h('h1', {}, task.campaign_name || task.title),
    h('p', { class: 'muted' }, cellLabel(task.cell)),
    h('div', { class: 'task-meta' },
      left != null ? h('span', { class: 'left' }, t('tasks.left', { n: formatNumber(left) })) : null,
      payText(task) ? h('span', { class: 'pay' }, t('tasks.pay', { amount: payText(task) })) : null));
  if (task.instructions) {
    box.append(h('h2', {}, t('task.instructions')),
      h('div', { class: 'instructions' }, ...String(task.instructions).split(/\n{2,}/).map((p) => h('p', {}, p))));
  }
  const examples = items(task.examples);
  if (examples.length) {
    box.append(h('h2', {}, t('task.examples')), h('div', { class: 'examples' }, ...examples.map((ex) => h('figure', { class: ex.good === false ? 'bad' : 'good' },
      h('img', { src: ex.url, alt: ex.caption || '', loading: 'lazy' }),
      h('figcaption', {}, h('strong', {}, ex.good === false ? `✗ ${t('task.bad')}` : `✓ ${t('task.good')}`), ' ', ex.caption || '')))));
  }
  if (task.consent_required) box.append(h('p', { class: 'notice' }, t('task.consent_notice')));
  const actions = h('div', { class: 'actions sticky' });
  const claimBtn = h('button', { type: 'button', class: 'primary', id: 'claim' }, t('task.claim'));
  const releaseBtn = h('button', { type: 'button', id: 'release' }, t('task.release'));
  const captureLink = h('a', { href: `#/capture/${task.id}`, class: 'button primary', id: 'start-capture' }, t('task.capture'));
  function render(claimed) {
    clear(actions).append(...(claimed ? [captureLink, releaseBtn] : [claimBtn]));
  }
  claimBtn.addEventListener('click', () => busy(claimBtn, async () => {
    await api(`tasks/${encodeURIComponent(task.id)}/claim`, { method: 'POST' });
    task.claimed_by_me = true;
    cachePut(`task:${task.id}`, task);
    toast(t('task.claimed_toast'), 'ok');
    render(true);
  }, { errorText }));
  releaseBtn.addEventListener('click', () => busy(releaseBtn, async () => {
    await api(`tasks/${encodeURIComponent(task.id)}/release`, { method: 'POST' });
    task.claimed_by_me = false;
    cachePut(`task:${task.id}`, task);
    toast(t('task.released_toast'), 'ok');
    render(false);
  }, { errorText }));
  render(Boolean(task.claimed_by_me));
  box.append(actions);
  clear(main).append(box);
}
