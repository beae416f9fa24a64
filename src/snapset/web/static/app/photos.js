// Photos on this device: the ones still waiting to be sent (with a "send now" button)
// and the latest results with the server's verdict and reasons.
import { t, formatDate, reasonText } from '../shared/i18n.js';
import { h, clear, busy } from '../shared/ui.js';
import * as queue from './queue.js';
import { verdictPill, reasonList } from './views-account.js';

export async function photosView(main) {
  const box = h('section', { class: 'card', id: 'photos' });
  clear(main).append(box);
  async function render() {
    const all = (await queue.allUploads()).sort((a, b) => b.created_at.localeCompare(a.created_at));
    const waiting = all.filter((u) => u.state !== 'sent');
    const sendBtn = h('button', { type: 'button', class: 'primary', id: 'send-now' }, t('photos.send_now'));
    sendBtn.addEventListener('click', () => busy(sendBtn, () => queue.flush()));
    clear(box).append(
      h('h1', {}, t('photos.title')),
      h('p', { id: 'waiting-count', 'data-count': String(waiting.length) },
        waiting.length ? t('photos.waiting_count', { n: waiting.length }) : t('photos.all_sent')),
      !navigator.onLine && waiting.length ? h('p', { class: 'notice' }, t('photos.offline_hint')) : null,
      waiting.length ? h('div', { class: 'actions' }, sendBtn) : null,
      all.length ? h('ul', { class: 'photo-list' }, ...all.slice(0, 100).map((u) => {
        let state;
        if (u.state === 'sent') state = [verdictPill(u.verdict), reasonList(u.reasons)];
        else if (u.state === 'failed') {
          const retry = h('button', { type: 'button' }, t('photos.retry'));
          retry.addEventListener('click', () => queue.retry(u.upload_id));
          state = [h('span', { class: 'pill pill-rejected' }, t('photos.refused')), ' ',
            reasonText(u.error && u.error.code, u.error && u.error.message), ' ', retry];
        } else state = [h('span', { class: 'pill' }, t(u.state === 'sending' ? 'photos.sending' : 'photos.waiting'))];
        return h('li', { class: 'photo-row', 'data-upload': u.upload_id, 'data-state': u.state },
          u.thumb ? h('img', { src: u.thumb, alt: '' }) : h('div', { class: 'thumb-placeholder' }),
          h('div', {}, h('div', {}, ...state), h('small', { class: 'muted' }, formatDate(u.captured_at))));
      })) : h('p', { class: 'muted' }, t('photos.none')));
  }
  await render();
  const off = queue.onQueueChange(() => { render(); });
  return off;
}
