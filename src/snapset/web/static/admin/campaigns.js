// Campaigns: the list with status actions, creation from a template form or a pasted
// YAML spec (validated by the server, errors shown at their line), and draft editing.
import { t, formatDate } from '../shared/i18n.js';
import { api, errorText, items } from '../shared/api.js';
import { h, clear, busy, toast, errorBox } from '../shared/ui.js';
import { go, isAdmin } from './admin.js';

const ACTIONS = { draft: ['activate'], active: ['pause', 'close'], paused: ['activate', 'close'], closed: [] };

export function statusPill(status) {
  return h('span', { class: `pill pill-${status}`, 'data-status': status }, t(`campaign.status.${status}`));
}

export async function campaignsView(main) {
  const list = items(await api('campaigns'));
  const table = h('table', { class: 'data', id: 'campaigns' },
    h('thead', {}, h('tr', {}, ...['campaign.name', 'campaign.template', 'campaign.status', 'campaign.created', 'campaign.actions']
      .map((k) => h('th', {}, t(k))))),
    h('tbody', {}, ...list.map((c) => campaignRow(c))));
  clear(main).append(h('section', {},
    h('div', { class: 'toolbar' }, h('h1', {}, t('admin.nav.campaigns')),
      isAdmin() ? h('a', { href: '#/campaigns/new', class: 'button primary', id: 'new-campaign' }, t('campaign.new')) : null),
    list.length ? table : h('p', { class: 'card muted' }, t('campaign.none'))));
}

function campaignRow(c) {
  const actions = h('td', { class: 'actions' });
  const row = h('tr', { 'data-campaign': c.id },
    h('td', {}, h('a', { href: `#/campaigns/${c.id}` }, c.name || c.id)),
    h('td', {}, c.template || '–'),
    h('td', {}, statusPill(c.status)),
    h('td', {}, formatDate(c.created_at)),
    actions);
  for (const action of isAdmin() ? ACTIONS[c.status] || [] : []) {
    const btn = h('button', { type: 'button', 'data-action': action }, t(`campaign.action.${action}`));
    btn.addEventListener('click', () => busy(btn, async () => {
      const updated = await api(`campaigns/${c.id}/${action}`, { method: 'POST' });
      toast(t('campaign.updated'), 'ok');
      row.replaceWith(campaignRow({ ...c, ...(updated || {}), status: (updated && updated.status) || c.status }));
    }, { errorText }));
    actions.append(btn);
  }
  if (c.status === 'draft' && isAdmin()) actions.append(h('a', { href: `#/campaigns/${c.id}/edit`, class: 'button' }, t('campaign.edit')));
  actions.append(h('a', { href: `#/campaigns/${c.id}`, class: 'button' }, t('campaign.dashboard')));
  return row;
}

/** A YAML editor with server validation; errors list their line and jump to it. */
function yamlEditor(initial) {
  const area = h('textarea', { id: 'spec-yaml', spellcheck: 'false', rows: '22', wrap: 'off' });
  area.value = initial || '';
  const errs = h('ul', { class: 'line-errors', id: 'spec-errors' });
  function jump(line) {
    const lines = area.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1] || '').length);
    const lh = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 3) * lh);
  }
  function show(errors) {
    clear(errs);
    for (const e of errors || []) {
      const where = e.line ? t('campaign.at_line', { line: e.line }) : '';
      const path = Array.isArray(e.path) ? e.path.join('.') : (e.path || (Array.isArray(e.loc) ? e.loc.join('.') : ''));
      const li = h('li', { class: 'error-box', 'data-line': e.line || '' }, `${where} ${path ? `${path}: ` : ''}${e.message || e.msg || ''}`.trim());
      if (e.line) li.addEventListener('click', () => jump(e.line));
      errs.append(li);
    }
  }
  async function validate() {
    const res = await api('campaigns/validate', { method: 'POST', body: { spec_yaml: area.value } });
    const errors = items(res && res.errors);
    show(errors);
    return res && res.ok !== false && !errors.length;
  }
  return { area, errs, show, validate, jump };
}

function errorsFrom(err) {
  const e = err && err.extra ? items(err.extra.errors) : [];
  return e.length ? e : [{ message: errorText(err) }];
}

export async function campaignNewView(main) {
  const templates = items(await api('templates'));
  let chosen = templates[0] || null;
  const cards = h('div', { class: 'panels', id: 'templates' });
  const form = h('form', { class: 'card', id: 'template-form' });
  const name = h('input', { name: 'name', required: true, id: 'campaign-name' });
  const countries = h('input', { name: 'countries', id: 'campaign-countries', placeholder: 'KE, MX, IN' });
  const pay = h('input', { name: 'pay', type: 'number', step: '0.01', min: '0', id: 'campaign-pay' });
  const currency = h('input', { name: 'currency', id: 'campaign-currency', value: 'USD', maxlength: '3' });
  const target = h('input', { name: 'target', type: 'number', min: '1', id: 'campaign-target' });
  const consent = h('input', { type: 'checkbox', id: 'campaign-consent' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'create-from-template' }, t('campaign.create'));
  const formErr = h('div', { class: 'error-box', role: 'alert', hidden: true });

  function renderCards() {
    clear(cards).append(...templates.map((tpl) => {
      const card = h('button', { type: 'button', class: `card template ${chosen === tpl ? 'primary' : ''}`, 'data-template': tpl.name },
        h('strong', {}, tpl.title || tpl.name), h('br'), h('small', {}, tpl.description || ''));
      card.addEventListener('click', () => { chosen = tpl; fill(); renderCards(); });
      return card;
    }));
  }
  function fill() {
    const spec = (chosen && chosen.spec) || {};
    name.value = name.value || '';
    const p = spec.pay || {};
    pay.value = p.amount ?? spec.pay_per_photo ?? '';
    currency.value = p.currency || spec.currency || 'USD';
    consent.checked = Boolean(spec.consent && (spec.consent.required ?? spec.consent_required));
    target.value = (spec.quota && spec.quota.target_per_cell) || '';
    const geo = spec.constraints && spec.constraints.geofence;
    countries.value = geo && geo.countries ? geo.countries.join(', ') : '';
    yaml.area.value = chosen ? chosen.spec_yaml || '' : '';
  }
  form.append(h('h2', {}, t('campaign.from_template')), formErr,
    h('label', { class: 'field' }, h('span', {}, t('campaign.name')), name),
    h('div', { class: 'grid-2' },
      h('label', { class: 'field' }, h('span', {}, t('campaign.countries')), countries),
      h('label', { class: 'field' }, h('span', {}, t('campaign.target_per_cell')), target)),
    h('div', { class: 'grid-2' },
      h('label', { class: 'field' }, h('span', {}, t('campaign.pay')), pay),
      h('label', { class: 'field' }, h('span', {}, t('campaign.currency')), currency)),
    h('label', { class: 'check' }, consent, ' ', t('campaign.consent_required')),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    formErr.hidden = true;
    // Overrides are spec-shaped; the server deep-merges them into the template's spec.
    const overrides = { consent: { required: consent.checked } };
    const cs = countries.value.split(/[\s,]+/).map((c) => c.trim().toUpperCase()).filter(Boolean);
    if (cs.length) overrides.constraints = { geofence: { countries: cs } };
    if (pay.value !== '') overrides.pay = { amount: String(pay.value), currency: currency.value.trim().toUpperCase() || 'USD' };
    if (target.value !== '') overrides.quota = { target_per_cell: Number(target.value) };
    if (name.value.trim()) overrides.name = name.value.trim();
    busy(submit, async () => {
      const c = await api('campaigns', { method: 'POST', body: { template: chosen && chosen.name, name: name.value.trim(), overrides } });
      toast(t('campaign.created_toast'), 'ok');
      go(`#/campaigns/${c.id}`);
    }, { rethrow: true }).catch((err) => { formErr.textContent = errorsFrom(err).map((x) => x.message).join('\n'); formErr.hidden = false; });
  });

  const yaml = yamlEditor('');
  const validateBtn = h('button', { type: 'button', id: 'validate-yaml' }, t('campaign.validate'));
  const createYaml = h('button', { type: 'button', class: 'primary', id: 'create-from-yaml' }, t('campaign.create'));
  validateBtn.addEventListener('click', () => busy(validateBtn, async () => {
    if (await yaml.validate()) toast(t('campaign.valid'), 'ok');
  }, { errorText }));
  createYaml.addEventListener('click', () => busy(createYaml, async () => {
    try {
      const c = await api('campaigns', { method: 'POST', body: { spec_yaml: yaml.area.value } });
      toast(t('campaign.created_toast'), 'ok');
      go(`#/campaigns/${c.id}`);
    } catch (err) { yaml.show(errorsFrom(err)); }
  }, { errorText }));
  renderCards();
  fill();
  clear(main).append(h('section', {},
    h('a', { href: '#/campaigns', class: 'back' }, `← ${t('admin.nav.campaigns')}`),
    h('h1', {}, t('campaign.new')),
    templates.length ? cards : errorBox(t('campaign.no_templates')),
    h('div', { class: 'grid-2' }, form,
      h('div', { class: 'card' }, h('h2', {}, t('campaign.from_yaml')), h('p', { class: 'muted' }, t('campaign.yaml_help')),
        h('div', { class: 'yaml-wrap' }, yaml.area), yaml.errs, h('div', { class: 'actions' }, validateBtn, createYaml)))));
}

export async function campaignEditView(main, id) {
  const c = await api(`campaigns/${id}`);
  const yaml = yamlEditor(c.spec_yaml || '');
  const save = h('button', { type: 'button', class: 'primary', id: 'save-yaml' }, t('campaign.save'));
  const validateBtn = h('button', { type: 'button', id: 'validate-yaml' }, t('campaign.validate'));
  validateBtn.addEventListener('click', () => busy(validateBtn, async () => {
    if (await yaml.validate()) toast(t('campaign.valid'), 'ok');
  }, { errorText }));
  save.addEventListener('click', () => busy(save, async () => {
    try {
      await api(`campaigns/${id}`, { method: 'PUT', body: { spec_yaml: yaml.area.value } });
      toast(t('campaign.saved'), 'ok');
      yaml.show([]);
    } catch (err) { yaml.show(errorsFrom(err)); }
  }, { errorText }));
  clear(main).append(h('section', { class: 'card' },
    h('a', { href: '#/campaigns', class: 'back' }, `← ${t('admin.nav.campaigns')}`),
    h('h1', {}, t('campaign.edit_title', { name: c.name || id }), ' ', statusPill(c.status)),
    c.status !== 'draft' ? h('p', { class: 'notice' }, t('campaign.only_draft')) : null,
    yaml.area, yaml.errs, h('div', { class: 'actions' }, validateBtn, save)));
}
