'use strict';
// The care console page: plain JS, no build step, nothing loaded from outside this console.
(() => {
  const state = { me: null, entries: new Map(), selected: null, lastEventId: 0, rendered: new Set() };
  // Timings read by the browser tests: when the queue first rendered, and when each entry was first shown (epoch ms).
  window.consoleTimings = { firstRender: null, shown: {} };

  // A bearer token handed over in the URL fragment (#access_token=...) is kept for this tab only.
  const token = (() => {
    const match = /access_token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem('scrm-token', decodeURIComponent(match[1]));
      history.replaceState(null, '', location.pathname);
    }
    return sessionStorage.getItem('scrm-token');
  })();

  const $ = (selector) => document.querySelector(selector);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  function el(tag, attrs, ...children) {
    const node = document.createElementNS(tag === 'svg' || attrs?.svg ? 'http://www.w3.org/2000/svg' : 'http://www.w3.org/1999/xhtml', tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || key === 'svg') continue;
      if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function headers(extra) {
    const all = Object.assign({}, extra);
    if (token) all.Authorization = 'Bearer ' + token;
    return all;
  }

  async function api(path, options = {}) {
    const response = await fetch(path, { ...options, credentials: 'same-origin', headers: headers(options.headers) });
    if (!response.ok) {
      let detail = response.status === 403 ? 'not allowed' : response.statusText;
      try { detail = (await response.json()).detail || detail; } catch { /* no problem body */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  }

  function say(text) { $('#message').textContent = text || ''; }

  const time = (iso) => iso ? new Date(iso).toLocaleString() : '';
  const summaryOf = (signal) => signal.summary || signal.suggestedAction || '';
  const entityOf = (signal) => signal.entityId || null;

  // ---- queue ----
  function entryFromSignal(signal) {
    const id = signal.alertId || signal.triggerId;
    const known = state.entries.get(id);
    return {
      id, brand: signal.brand, type: signal.type, kind: signal.kind || null, priority: signal.priority,
      detectedAt: signal.detectedAt, signal, case: known ? known.case : { state: 'open', assignee: null, outcome: null, version: 0 },
    };
  }

  function matches(entry) {
    const f = Object.fromEntries(new FormData($('#filters')));
    return (!f.brand || f.brand === entry.brand)
      && (!f.type || f.type === entry.type || (f.type === 'trigger' && entry.type !== 'crisis'))
      && (!f.kind || f.kind === entry.kind)
      && (!f.priority || f.priority === entry.priority)
      && (!f.state || f.state === entry.case.state);
  }

  function ordered() {
    return [...state.entries.values()].filter(matches).sort((a, b) =>
      a.priority.localeCompare(b.priority) || (Date.parse(b.detectedAt) - Date.parse(a.detectedAt)));
  }

  // One row per entry, kept and updated in place: the row under the pointer is never swapped for a copy while signals
  // arrive, and a new entry only inserts its own row (re-rendering the table made a click in a flood miss its row).
  const rows = new Map();

  function cellsOf(entry) {
    return [
      el('td', {}, el('span', { class: 'prio ' + entry.priority }, entry.priority)),
      el('td', {}, entry.kind ? `${entry.type} · ${entry.kind}` : entry.type),
      el('td', {}, entry.brand),
      el('td', {}, summaryOf(entry.signal)),
      el('td', {}, time(entry.detectedAt)),
      el('td', { 'data-field': 'state' }, entry.case.state + (entry.case.outcome ? ` (${entry.case.outcome})` : '')),
      el('td', { 'data-field': 'assignee' }, entry.case.assignee || ''),
      el('td', {}, entry.case.state === 'open' && !entry.case.assignee
        ? el('button', { type: 'button', 'data-action': 'claim', onclick: (e) => { e.stopPropagation(); act(state.entries.get(entry.id), 'claim'); } }, 'Claim') : ''),
    ];
  }

  function rowOf(entry) {
    let row = rows.get(entry.id);
    if (!row) {
      // Highlighted once when it first appears (not on the first render of the page).
      row = { tr: el('tr', { 'data-id': entry.id, 'data-brand': entry.brand, onclick: () => select(entry.id) }), key: null, fresh: state.rendered.size > 0 && !state.rendered.has(entry.id) };
      rows.set(entry.id, row);
    }
    const className = [row.fresh ? 'fresh' : '', 'state-' + entry.case.state, state.selected === entry.id ? 'selected' : ''].join(' ').trim();
    if (row.tr.getAttribute('class') !== className) row.tr.setAttribute('class', className);
    const key = JSON.stringify([entry.case.state, entry.case.outcome, entry.case.assignee]);
    if (row.key !== key) {
      row.key = key;
      row.tr.replaceChildren(...cellsOf(entry));
    }
    return row.tr;
  }

  function renderQueue() {
    const shown = ordered();
    const ids = new Set(shown.map((entry) => entry.id));
    for (const [id, row] of rows) {
      if (!ids.has(id)) { row.tr.remove(); rows.delete(id); }
    }
    const body = $('#queue tbody');
    let previous = null;
    for (const entry of shown) {
      const tr = rowOf(entry);
      const next = previous ? previous.nextElementSibling : body.firstElementChild;
      if (next !== tr) body.insertBefore(tr, next);
      previous = tr;
    }
    $('#count').textContent = `${shown.length} shown of ${state.entries.size}`;
    const now = Date.now();
    for (const entry of state.entries.values()) {
      if (!state.rendered.has(entry.id)) {
        state.rendered.add(entry.id);
        window.consoleTimings.shown[entry.id] = now;
      }
    }
    if (window.consoleTimings.firstRender === null) window.consoleTimings.firstRender = performance.now();
    if (state.selected) renderDetail();
  }

  // Live updates render at most once per 16 ms, not once per signal: a flood of them (a crisis, a busy brand) re-rendering
  // the whole queue each time would keep the page too busy to answer a click. User actions still render at once.
  let renderPending = false;
  function scheduleRender() {
    if (renderPending) return;
    renderPending = true;
    setTimeout(() => { renderPending = false; renderQueue(); }, 16);
  }

  async function loadQueue() {
    const entries = await api('/api/queue');
    for (const entry of entries) state.entries.set(entry.id, entry);
    renderQueue();
  }

  // ---- detail and case work ----
  async function select(id) {
    state.selected = id;
    renderQueue();
    const entry = state.entries.get(id);
    try {
      const found = await api(`/api/brands/${encodeURIComponent(entry.brand)}/cases/${encodeURIComponent(id)}`);
      entry.audit = found.audit;
      renderDetail();
    } catch (error) { say(error.message); }
  }

  function renderDetail() {
    const entry = state.entries.get(state.selected);
    const aside = $('#detail');
    if (!entry) { aside.hidden = true; return; }
    aside.hidden = false;
    aside.dataset.id = entry.id;
    $('#detail-title').textContent = `${entry.priority} ${entry.kind ? entry.type + ' · ' + entry.kind : entry.type} — ${entry.case.state}`;
    $('#detail-summary').textContent = summaryOf(entry.signal);
    const entity = entityOf(entry.signal);
    const link = $('#detail-customer');
    link.textContent = entity ? `customer ${entity}` : 'brand-level alert';
    link.onclick = (e) => { e.preventDefault(); if (entity) showCustomer(entity); };
    $('#detail-reasons').replaceChildren(...(entry.signal.reasons || []).map((r) => el('li', {}, r)));
    $('#detail-evidence').replaceChildren(...(entry.signal.evidence || []).map((e) => el('li', {}, `${e.platform}: ${e.excerpt}`)));
    $('#audit').replaceChildren(...(entry.audit || []).map((e) =>
      el('li', {}, `${time(e.at)} ${e.actor} ${e.action}${e.assignee && e.action === 'assign' ? ' → ' + e.assignee : ''}${e.outcome && e.action === 'resolve' ? ': ' + e.outcome : ''}${e.note ? ' — ' + e.note : ''}`)));
  }

  async function act(entry, action) {
    const body = {};
    if (action === 'assign') body.assignee = $('#assignee').value.trim();
    if (action === 'note') body.text = $('#note').value;
    if (action === 'resolve') body.outcome = $('#outcome').value;
    try {
      const result = await api(`/api/brands/${encodeURIComponent(entry.brand)}/cases/${encodeURIComponent(entry.id)}/${action}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Console-Request': '1' }, body: JSON.stringify(body),
      });
      if (result.case.version > entry.case.version) entry.case = result.case;
      if (action === 'note') $('#note').value = '';
      say('');
      renderQueue();
    } catch (error) {
      say(error.status === 409 ? `Not done: ${error.message}` : error.message);
    }
  }

  for (const button of document.querySelectorAll('#detail [data-action]')) {
    button.addEventListener('click', () => { const entry = state.entries.get(state.selected); if (entry) act(entry, button.dataset.action); });
  }

  function applyCaseEvent(change) {
    const entry = state.entries.get(change.signalId);
    if (!entry || change.version <= entry.case.version) return;
    entry.case = { state: change.state, assignee: change.assignee, outcome: change.outcome, version: change.version, updatedAt: change.at };
    if (entry.audit && !entry.audit.some((e) => e.eventId === change.eventId)) entry.audit.push(change);
    scheduleRender();
  }

  // ---- live updates: Server-Sent Events read with fetch, so a bearer token can go along; reconnects with ?since= ----
  function setLive(on) {
    const badge = $('#live');
    badge.textContent = on ? 'live' : 'reconnecting';
    badge.className = 'live ' + (on ? 'on' : 'off');
  }

  function handleBlock(block) {
    let event = 'message', data = '', id = null;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
      else if (field === 'id') id = Number(value);
    }
    if (event === 'ready') { setLive(true); return; }
    if (id) state.lastEventId = Math.max(state.lastEventId, id);
    if (event === 'signal') {
      const entry = entryFromSignal(JSON.parse(data));
      if (!state.entries.has(entry.id)) { state.entries.set(entry.id, entry); scheduleRender(); }
    } else if (event === 'case') {
      applyCaseEvent(JSON.parse(data));
    }
  }

  async function stream() {
    for (;;) {
      try {
        const response = await fetch(`/api/stream?since=${state.lastEventId}`, { credentials: 'same-origin', headers: headers({ Accept: 'text/event-stream' }) });
        if (!response.ok) throw new Error('stream ' + response.status);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            handleBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        }
      } catch { /* reconnect below */ }
      setLive(false);
      await sleep(2000);
    }
  }

  // ---- customer ----
  async function showCustomer(entityId) {
    const colon = entityId.indexOf(':');
    const form = $('#customer-form');
    form.brand.value = entityId.slice(0, colon);
    form.id.value = entityId.slice(colon + 1);
    openTab('customer');
    await loadCustomer();
  }

  async function loadCustomer() {
    const form = $('#customer-form');
    const target = $('#customer');
    try {
      const view = await api(`/api/brands/${encodeURIComponent(form.brand.value)}/customers/${encodeURIComponent(form.id.value.trim())}`);
      const facts = Object.entries(view.state).map(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]);
      const reasons = view.signals.filter((s) => s.type !== 'crisis').flatMap((s) => s.signal.reasons || []);
      target.replaceChildren(
        el('h2', {}, view.entityId),
        el('dl', { class: 'state' }, facts, reasons.length ? [el('dt', {}, 'risk reasons'), el('dd', {}, [...new Set(reasons)].join('; '))] : []),
        el('h3', {}, 'Recent mentions'),
        view.mentions && view.mentions.length
          ? el('ol', {}, view.mentions.map((m) => el('li', {}, `${time(m.createdAt)} ${m.platform} ${m.kind} (${m.sentiment}) ${m.excerpt} `, m.url ? el('a', { href: m.url, rel: 'noopener noreferrer', target: '_blank' }, 'open') : '')))
          : el('p', {}, 'none kept for this customer'),
        el('h3', {}, 'Alerts and triggers'),
        el('ul', {}, view.signals.map((s) => el('li', {}, `${s.priority} ${s.type}${s.kind ? ' · ' + s.kind : ''} — ${summaryOf(s.signal)} — ${s.case.state}`))));
      say('');
    } catch (error) {
      target.replaceChildren();
      say(error.status === 404 ? 'No such customer' : error.message);
    }
  }

  // ---- brand ----
  function chart(volume) {
    const width = 800, height = 220, left = 40, right = 40, top = 10, bottom = 20;
    const max = Math.max(1, ...volume.map((m) => m.total));
    const step = (width - left - right) / Math.max(1, volume.length);
    const x = (i) => left + i * step;
    const y = (count) => top + (height - top - bottom) * (1 - count / max);
    const share = (s) => top + (height - top - bottom) * (1 - s);
    const bars = volume.map((m, i) => [
      el('rect', { svg: true, x: x(i), y: y(m.total), width: Math.max(1, step - 1), height: y(0) - y(m.total), fill: '#90a4ae', 'data-count': m.total },
        el('title', { svg: true }, `${new Date(m.minute).toLocaleTimeString()}: ${m.total} mentions, ${m.negative} negative`)),
      el('rect', { svg: true, x: x(i), y: y(m.negative), width: Math.max(1, step - 1), height: y(0) - y(m.negative), fill: '#e57373' }),
    ]);
    const line = volume.map((m, i) => `${i ? 'L' : 'M'}${x(i) + step / 2},${share(m.negativeShare)}`).join(' ');
    const label = (text, px, py, anchor) => el('text', { svg: true, x: px, y: py, 'font-size': 11, 'text-anchor': anchor, fill: '#667085' }, text);
    return el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'mentions per minute and negative share' },
      bars,
      volume.length ? el('path', { svg: true, d: line, fill: 'none', stroke: '#c62828', 'stroke-width': 2 }) : null,
      label(String(max), left - 4, top + 10, 'end'), label('0', left - 4, y(0), 'end'),
      label('100 %', width - right + 4, top + 10, 'start'), label('0 %', width - right + 4, share(0), 'start'),
      volume.length ? label(new Date(volume[0].minute).toLocaleTimeString(), left, height - 4, 'start') : null,
      volume.length ? label(new Date(volume[volume.length - 1].minute).toLocaleTimeString(), width - right, height - 4, 'end') : null);
  }

  async function loadBrand() {
    const form = $('#brand-form');
    try {
      const view = await api(`/api/brands/${encodeURIComponent(form.brand.value)}/overview?minutes=${form.minutes.value}`);
      $('#chart').replaceChildren(chart(view.volume), el('figcaption', {}, 'Mentions per minute (grey; negative in red) and the negative share (red line), event time'));
      const board = (entries) => entries.map((e) => el('li', {}, el('a', { href: '#', onclick: (ev) => { ev.preventDefault(); showCustomer(e.entityId); } }, e.entityId), ` ${e.score.toFixed(3)}`));
      $('#risk').replaceChildren(...board(view.risk));
      $('#advocates').replaceChildren(...board(view.advocates));
      say('');
    } catch (error) { say(error.message); }
  }

  // ---- KPIs ----
  const duration = (s) => s < 90 ? `${s.toFixed(0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;

  async function loadKpis() {
    const form = $('#kpi-form');
    const to = new Date();
    const from = new Date(to.getTime() - Number(form.hours.value) * 3600_000);
    try {
      const k = await api(`/api/brands/${encodeURIComponent(form.brand.value)}/kpis?from=${from.toISOString()}&to=${to.toISOString()}`);
      const stats = (title, byPriority) => el('div', {}, el('h3', {}, title), el('table', {},
        el('tr', {}, el('th', {}, 'priority'), el('th', {}, 'cases'), el('th', {}, 'median'), el('th', {}, 'p90')),
        Object.entries(byPriority).map(([p, s]) => el('tr', {}, el('td', {}, p), el('td', {}, s.count), el('td', {}, duration(s.medianSeconds)), el('td', {}, duration(s.p90Seconds))))));
      const counts = (title, byName) => el('div', {}, el('h3', {}, title), el('table', {},
        Object.entries(byName).map(([name, n]) => el('tr', {}, el('td', {}, name), el('td', {}, n)))));
      $('#kpis').replaceChildren(el('p', {}, `${k.signals} alerts and triggers detected in the period`), el('div', { class: 'kpi' },
        stats('Time to first action', k.timeToFirstAction), stats('Time to resolution', k.timeToResolution),
        counts('Open, by age', k.openByAge), counts('Resolved, by outcome', k.resolvedByOutcome),
        counts(`Retention triggers worked (of ${k.retentionTriggers}), by value tier`, k.retentionWorked)));
      say('');
    } catch (error) { say(error.message); }
  }

  // ---- tabs and start ----
  function openTab(name) {
    for (const button of document.querySelectorAll('nav [data-tab]')) button.classList.toggle('active', button.dataset.tab === name);
    for (const section of document.querySelectorAll('.tab')) section.hidden = section.id !== 'tab-' + name;
    if (name === 'brand') loadBrand();
    if (name === 'kpis') loadKpis();
  }

  for (const button of document.querySelectorAll('nav [data-tab]')) button.addEventListener('click', () => openTab(button.dataset.tab));
  $('#filters').addEventListener('change', renderQueue);
  $('#customer-form').addEventListener('submit', (e) => { e.preventDefault(); loadCustomer(); });
  $('#brand-form').addEventListener('submit', (e) => { e.preventDefault(); loadBrand(); });
  $('#kpi-form').addEventListener('submit', (e) => { e.preventDefault(); loadKpis(); });

  async function start() {
    try {
      state.me = await api('/api/me');
    } catch (error) {
      say(error.status === 401 ? 'Not signed in.' : error.message);
      return;
    }
    $('#user').textContent = `${state.me.name} · ${state.me.brands.join(', ')}`;
    for (const select of document.querySelectorAll('select[name=brand]')) {
      for (const brand of state.me.brands) select.append(el('option', {}, brand));
    }
    // Live updates from the moment the queue is read: the stream's catch-up covers what happens in between.
    state.lastEventId = Date.now();
    await loadQueue();
    stream();
  }
  start();
})();
