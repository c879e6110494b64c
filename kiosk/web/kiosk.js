// The touch kiosk: life situations and services, a ticket at a touch, check-in
// by appointment code. Talks to the JSON API with the kiosk's device token
// (from the page's ?token=), never as staff.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const T = {
    ru: {
      access: 'Крупный шрифт', choose: 'Выберите жизненную ситуацию или услугу', allServices: 'Все услуги',
      haveAppointment: 'У меня есть запись', enterCode: 'ввести код записи', back: 'Назад', yourNumber: 'Ваш номер',
      done: 'Готово', codeTitle: 'Введите код записи', privileged: 'Льготная категория (инвалиды, ветераны, беременные) — вызов вне очереди',
      waiting: 'ждут', wait: 'ожидание ≈', min: 'мин', now: 'без ожидания', closed: 'сейчас не принимает',
      services: ['услуга', 'услуги', 'услуг'], position: 'Перед вами в очереди', predicted: 'Ожидание примерно', minutes: 'мин',
      printed: 'Возьмите талон из принтера. Следите за табло — номер объявят.',
      notPrinted: 'Талон не напечатан. Запомните или сфотографируйте номер — его объявят на табло.',
      offline: 'Нет связи с сервером очереди. Обратитесь к администратору.', codeDigits: 'Код записи — 6 цифр',
      other: 'English', over: 'дольше нормы', byAppointment: 'только по предварительной записи',
      takeLive: 'Взять талон в живую очередь', appointmentAt: 'Запись на', today: 'Сегодня',
    },
    en: {
      access: 'Large text', choose: 'Choose a life situation or a service', allServices: 'All services',
      haveAppointment: 'I have an appointment', enterCode: 'enter the booking code', back: 'Back', yourNumber: 'Your number',
      done: 'Done', codeTitle: 'Enter your booking code', privileged: 'Priority visitor (disabled, veteran, pregnant) — called first',
      waiting: 'waiting', wait: 'wait ≈', min: 'min', now: 'no wait', closed: 'closed now',
      services: ['service', 'services', 'services'], position: 'Ahead of you', predicted: 'Expected wait', minutes: 'min',
      printed: 'Take your ticket from the printer. Watch the display for your number.',
      notPrinted: 'The ticket was not printed. Remember or photograph your number — it will be shown on the display.',
      offline: 'No connection to the queue server. Please ask the staff.', codeDigits: 'The code has 6 digits',
      other: 'Русский', over: 'over target', byAppointment: 'by appointment only',
      takeLive: 'Take a ticket for the live queue', appointmentAt: 'Appointment at', today: 'Today',
    },
  };
  const IDLE_MS = 45000; // back to the start for the next visitor
  const TICKET_MS = 25000; // the confirmation stays this long

  const params = new URLSearchParams(location.search);
  if (params.get('token')) sessionStorage.setItem('eq.kiosk.token', params.get('token'));
  const token = sessionStorage.getItem('eq.kiosk.token') || '';

  let lang = 'ru';
  let data = null; // {office, groups, services}
  let current = { screen: 'home', group: null };
  let code = '';
  let idle = null;

  const t = (k) => T[lang][k] || T.ru[k] || k;
  // count says n with the word's right form: 1 услуга, 3 услуги, 5 услуг.
  const count = (n, k) => {
    const [one, few, many] = t(k);
    if (lang !== 'ru') return n + ' ' + (n === 1 ? one : many);
    const m10 = n % 10, m100 = n % 100;
    const word = m10 === 1 && m100 !== 11 ? one : m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14) ? few : many;
    return n + ' ' + word;
  };
  const text = (x) => (x ? (lang === 'ru' ? x.ru : x.en || x.ru) : '');
  const errText = (e) => (lang === 'ru' ? e.message : e.message_en || e.message);

  async function api(method, path, body) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    try {
      r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (_) {
      throw new Error(t('offline'));
    }
    let json = null;
    try { json = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const err = new Error(json && json.error ? errText(json.error) : t('offline'));
      err.details = (json && json.error && json.error.details) || {};
      throw err;
    }
    return json;
  }

  function show(name) {
    for (const s of ['home', 'services', 'ticket', 'code', 'failure']) $(s).hidden = s !== name;
    current.screen = name;
    armIdle(name === 'ticket' ? TICKET_MS : IDLE_MS);
  }

  function armIdle(ms) {
    clearTimeout(idle);
    if (current.screen !== 'home') idle = setTimeout(reset, ms);
  }

  // reset prepares the kiosk for the next visitor.
  function reset() {
    lang = 'ru';
    document.body.classList.remove('access');
    $('privileged').checked = false;
    code = '';
    applyLang();
    show('home');
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $('lang').textContent = t('other');
    render();
  }

  function waitLine(s) {
    if (s.appointment_only) return [t('byAppointment'), false];
    if (!s.open) return [t('closed'), false];
    const late = s.over_target;
    const mins = Math.round(s.predicted_wait_s / 60);
    const parts = [t('waiting') + ': ' + s.waiting, mins > 0 ? t('wait') + ' ' + mins + ' ' + t('min') : t('now')];
    if (late) parts.push(t('over'));
    return [parts.join(' · '), late];
  }

  function tile(title, meta, late, onTap, closed) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tile' + (closed ? ' closed' : '');
    const big = document.createElement('span');
    big.className = 'big';
    big.textContent = title;
    const m = document.createElement('span');
    m.className = 'meta' + (late ? ' late' : '');
    m.textContent = meta;
    b.append(big, m);
    b.addEventListener('click', onTap);
    return b;
  }

  // renderHours says, while tickets are not issued, why and when they will
  // be; otherwise today's hours.
  function renderHours() {
    const h = data.hours || { issuing: true, today: [] };
    const banner = $('hours');
    banner.hidden = h.issuing;
    banner.textContent = h.issuing ? '' : text(h.message);
    $('todayHours').textContent = h.always || !h.today.length ? '' : t('today') + ' ' + h.today.join(', ');
  }

  function render() {
    if (!data) return;
    $('office').textContent = text(data.office);
    renderHours();
    const groups = $('groups');
    groups.innerHTML = '';
    for (const g of data.groups) {
      const svcs = data.services.filter((s) => s.group === g.id);
      const waiting = svcs.reduce((n, s) => n + s.waiting, 0);
      groups.appendChild(tile(text(g.name), count(svcs.length, 'services') + ' · ' + t('waiting') + ': ' + waiting, false, () => openGroup(g.id)));
    }
    if (current.screen === 'services') renderServices();
  }

  function openGroup(id) {
    current.group = id;
    renderServices();
    show('services');
  }

  // renderServices shows the group's services. The tiles are built once per
  // group and language and afterwards only their figures change, so a
  // refresh never swaps a tile from under a visitor's finger.
  let built = '';
  function renderServices() {
    const g = data.groups.find((x) => x.id === current.group);
    $('servicesTitle').textContent = g ? text(g.name) : t('allServices');
    const box = $('serviceTiles');
    const key = lang + '|' + current.group;
    if (built !== key) {
      box.innerHTML = '';
      for (const s of data.services) {
        if (g && s.group !== g.id) continue;
        const el = tile(text(s.name), '', false, () => take(data.services.find((x) => x.id === s.id)), false);
        el.dataset.service = s.id;
        box.appendChild(el);
      }
      built = key;
    }
    for (const el of box.children) {
      const s = data.services.find((x) => x.id === el.dataset.service);
      if (!s) continue;
      const [meta, late] = waitLine(s);
      const m = el.querySelector('.meta');
      m.textContent = meta;
      m.className = 'meta' + (late ? ' late' : '');
      el.classList.toggle('closed', !s.open);
    }
  }

  // refresh polls the queues; after a few failures in a row the home screen
  // says the figures are stale, since they may be wrong for a long time.
  let failures = 0;
  async function refresh() {
    try {
      data = await api('GET', '/api/v1/services');
      failures = 0;
      $('offline').hidden = true;
      render();
      tick();
      if (current.screen === 'failure') show('home');
    } catch (err) {
      failures++;
      if (!data) { $('failureText').textContent = err.message; show('failure'); }
      if (failures >= 2) { $('offline').textContent = t('offline'); $('offline').hidden = false; }
    }
  }

  async function busy(fn) {
    $('busy').hidden = false;
    try { return await fn(); } finally { $('busy').hidden = true; }
  }

  async function take(s) {
    try {
      const priority = $('privileged').checked ? 'privileged' : 'normal';
      const ticket = await busy(() => api('POST', '/api/v1/tickets', { service_id: s.id, priority }));
      showTicket(ticket);
      refresh();
    } catch (err) {
      $('failureText').textContent = err.message;
      show('failure');
    }
  }

  function showTicket(ticket) {
    $('ticketNumber').textContent = ticket.number;
    const s = data.services.find((x) => x.id === ticket.service_id);
    $('ticketService').textContent = s ? text(s.name) : '';
    const mins = Math.round(ticket.predicted_wait_s / 60);
    let facts = t('position') + ': ' + Math.max(0, (ticket.position || 1) - 1) + ' · ' + t('predicted') + ' ' + mins + ' ' + t('minutes');
    if (ticket.appointment_at) facts = t('appointmentAt') + ' ' + officeTime(ticket.appointment_at) + ' · ' + facts;
    $('ticketFacts').textContent = facts;
    const note = $('printNote');
    const printed = ticket.print && ticket.print.printed;
    note.className = 'note' + (printed ? '' : ' error');
    note.textContent = printed ? t('printed') : t('notPrinted') + (ticket.print && ticket.print.message ? ' (' + (lang === 'ru' ? ticket.print.message : ticket.print.message_en) + ')' : '');
    show('ticket');
  }

  function renderCode() {
    $('codeValue').textContent = code.padEnd(6, '·');
  }

  function buildKeypad() {
    const pad = $('keypad');
    for (const k of ['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', 'OK']) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = k;
      b.dataset.key = k;
      if (k === 'OK') b.className = 'ok';
      b.addEventListener('click', () => key(k));
      pad.appendChild(b);
    }
  }

  // officeTime is HH:MM of an RFC 3339 time in the office's zone.
  function officeTime(iso) {
    const opts = { hour: '2-digit', minute: '2-digit' };
    if (data && data.timezone) opts.timeZone = data.timezone;
    return new Date(iso).toLocaleTimeString('ru-RU', opts);
  }

  async function key(k) {
    $('codeError').textContent = '';
    $('takeLive').hidden = true;
    if (k === '⌫') code = code.slice(0, -1);
    else if (k === 'OK') {
      if (code.length !== 6) { $('codeError').textContent = t('codeDigits'); return; }
      try {
        const ticket = await busy(() => api('POST', '/api/v1/checkin', { code }));
        code = '';
        showTicket(ticket);
      } catch (err) {
        $('codeError').textContent = err.message;
        // Too late for the appointment: the server offers the live queue.
        const offer = err.details && err.details.offer === 'live_ticket' && data && data.services.find((x) => x.id === err.details.service_id);
        if (offer) {
          $('takeLive').hidden = false;
          $('takeLive').onclick = () => { code = ''; renderCode(); take(offer); };
        }
      }
    } else if (code.length < 6) code += k;
    renderCode();
  }

  document.addEventListener('pointerdown', () => armIdle(current.screen === 'ticket' ? TICKET_MS : IDLE_MS));
  document.querySelectorAll('.back').forEach((b) => b.addEventListener('click', () => show('home')));
  $('done').addEventListener('click', reset);
  $('toAll').addEventListener('click', () => openGroup(null));
  $('toCode').addEventListener('click', () => { code = ''; renderCode(); $('codeError').textContent = ''; $('takeLive').hidden = true; show('code'); });
  $('lang').addEventListener('click', () => { lang = lang === 'ru' ? 'en' : 'ru'; applyLang(); });
  $('access').addEventListener('click', () => document.body.classList.toggle('access'));

  // The office's clock, whatever zone the kiosk PC is set to.
  const tick = () => {
    const opts = { hour: '2-digit', minute: '2-digit' };
    if (data && data.timezone) opts.timeZone = data.timezone;
    $('clock').textContent = new Date().toLocaleTimeString('ru-RU', opts);
  };
  setInterval(tick, 1000);
  tick();
  buildKeypad();
  renderCode();
  applyLang();
  show('home');
  refresh();
  setInterval(refresh, 10000);
})();
