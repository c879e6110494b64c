// The public appointment page: a visitor picks a service, a day and a free
// slot, may leave a name and a phone, and gets a 6-digit code to check in
// with at the kiosk; a booking can be cancelled by its code. No framework,
// no build step: the page is embedded in the eq binary and talks to the
// same JSON API as any other client.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const T = {
    ru: {
      title: 'Запись на приём — электронная очередь', other: 'English', loading: 'Загрузка…',
      step1: 'Шаг 1 из 4', step2: 'Шаг 2 из 4', step3: 'Шаг 3 из 4', step4: 'Шаг 4 из 4',
      pickService: 'Запись на приём: выберите услугу',
      intro: 'Выберите услугу, день и время. Вы получите код из 6 цифр — с ним зарегистрируйтесь в киоске центра, когда придёте.',
      haveBooking: 'Уже записаны?', cancelTitle: 'Отменить запись по коду', back: '← Назад',
      pickDay: 'Выберите день', pickSlot: 'Выберите время', confirmTitle: 'Проверьте и подтвердите',
      nameLabel: 'Имя (необязательно)', phoneLabel: 'Телефон (необязательно)', phoneHint: 'Например: +7 912 345-67-89',
      contactsNote: 'Имя и телефон указывать не обязательно: запись действует по коду.', confirm: 'Записаться',
      booked: 'Вы записаны', yourCode: 'Код записи', bringPassport: 'Возьмите с собой паспорт.',
      checkin: 'Придя в центр, введите код в киоске с {from} до {until} — киоск выдаст талон, вас вызовут на табло.',
      late: 'Если не зарегистрироваться до {until}, запись пропадёт.',
      where: 'Куда прийти: {office}.', cancelHint: 'Отменить запись: {url}, код {code}.',
      print: 'Распечатать', cancelThis: 'Отменить эту запись', again: 'Записаться ещё',
      codeLabel: 'Код записи (6 цифр)', find: 'Найти запись', cancelBtn: 'Отменить запись',
      service: 'Услуга', date: 'Дата', time: 'Время', name: 'Имя', phone: 'Телефон', status: 'Состояние',
      places: 'мест: {n}', full: 'мест нет', noServices: 'Сейчас ни на одну услугу нет предварительной записи.',
      noDays: 'Свободных дней для записи нет. Попробуйте позже или возьмите талон в живую очередь в центре.',
      noSlots: 'На этот день свободного времени не осталось. Выберите другой день.',
      slotTaken: 'Пока вы заполняли форму, на {time} записались другие посетители и мест не осталось. Выберите другое время — список обновлён.',
      reloaded: 'Список свободного времени обновлён.',
      codeDigits: 'Код записи — 6 цифр.', offline: 'Нет связи с сервером. Проверьте интернет и попробуйте ещё раз.',
      cancelled: 'Запись {code} отменена, место освобождено.',
      st_booked: 'действует', st_checked_in: 'талон выдан', st_cancelled: 'отменена', st_missed: 'пропущена',
      general: 'Другие услуги', onlyBooked: 'только по записи',
      weekdays: ['воскресенье', 'понедельник', 'вторник', 'среда', 'четверг', 'пятница', 'суббота'],
      months: ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'],
    },
    en: {
      title: 'Book an appointment — electronic queue', other: 'Русский', loading: 'Loading…',
      step1: 'Step 1 of 4', step2: 'Step 2 of 4', step3: 'Step 3 of 4', step4: 'Step 4 of 4',
      pickService: 'Book an appointment: choose a service',
      intro: 'Choose a service, a day and a time. You will get a 6-digit code: enter it at the kiosk in the centre when you come.',
      haveBooking: 'Booked already?', cancelTitle: 'Cancel a booking by its code', back: '← Back',
      pickDay: 'Choose a day', pickSlot: 'Choose a time', confirmTitle: 'Check and confirm',
      nameLabel: 'Name (optional)', phoneLabel: 'Phone (optional)', phoneHint: 'For example: +7 912 345-67-89',
      contactsNote: 'Name and phone are optional: the booking works by its code.', confirm: 'Book',
      booked: 'You are booked', yourCode: 'Booking code', bringPassport: 'Bring your passport.',
      checkin: 'When you come, enter the code at the kiosk between {from} and {until}: it gives you a ticket, and the display will call you.',
      late: 'If you do not check in by {until}, the booking is released.',
      where: 'Where: {office}.', cancelHint: 'To cancel: {url}, code {code}.',
      print: 'Print', cancelThis: 'Cancel this booking', again: 'Book another',
      codeLabel: 'Booking code (6 digits)', find: 'Find the booking', cancelBtn: 'Cancel the booking',
      service: 'Service', date: 'Date', time: 'Time', name: 'Name', phone: 'Phone', status: 'Status',
      places: '{n} free', full: 'full', noServices: 'No service takes appointments at the moment.',
      noDays: 'There are no free days to book. Try later, or take a ticket for the live queue at the centre.',
      noSlots: 'No free time is left on this day. Choose another day.',
      slotTaken: 'While you were filling in the form, other visitors took the last place at {time}. Choose another time: the list is up to date.',
      reloaded: 'The list of free times is up to date.',
      codeDigits: 'The booking code has 6 digits.', offline: 'No connection to the server. Check the internet and try again.',
      cancelled: 'Booking {code} is cancelled and its place is free again.',
      st_booked: 'active', st_checked_in: 'ticket issued', st_cancelled: 'cancelled', st_missed: 'missed',
      general: 'Other services', onlyBooked: 'by appointment only',
      weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
      months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
    },
  };

  // The choice of language is kept like the console's; a browser that
  // refuses storage (some private modes) simply starts in Russian.
  const stored = (k, v) => {
    try {
      if (v === undefined) return localStorage.getItem(k);
      localStorage.setItem(k, v);
    } catch (_) { /* no storage: nothing to remember */ }
    return null;
  };
  let lang = stored('eq.lang') === 'en' ? 'en' : 'ru';
  const t = (k, vars) => {
    let s = T[lang][k] !== undefined ? T[lang][k] : T.ru[k] !== undefined ? T.ru[k] : k;
    if (vars) for (const [name, v] of Object.entries(vars)) s = s.split('{' + name + '}').join(v);
    return s;
  };
  const text = (x) => (x ? (lang === 'ru' ? x.ru : x.en || x.ru) : '');
  const errText = (e) => (lang === 'ru' ? e.message : e.message_en || e.message);

  let data = null; // GET /api/v1/services
  let step = 'service';
  const sel = { service: null, date: '', slot: null }; // what the visitor has chosen
  let days = []; // the chosen service's bookable days
  let slots = []; // the chosen day's slots
  let booked = null; // the appointment just made
  let found = null; // the appointment found by code for cancelling

  // api calls the JSON API; a refusal throws an Error carrying the
  // contract's error (status, code, message in the page's language).
  async function api(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    let r;
    try {
      r = await fetch(path, opts);
    } catch (_) {
      const err = new Error(t('offline'));
      err.status = 0;
      throw err;
    }
    let json = null;
    try { json = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const e = json && json.error;
      const err = new Error(e ? errText(e) : t('offline'));
      err.status = r.status;
      err.body = e || null;
      throw err;
    }
    return json;
  }

  // busy runs fn with the page's buttons shielded from a second tap.
  async function busy(fn) {
    $('busy').hidden = false;
    document.body.setAttribute('aria-busy', 'true');
    try { return await fn(); } finally {
      $('busy').hidden = true;
      document.body.removeAttribute('aria-busy');
    }
  }

  // ---- dates and times, always in the office's zone ----

  const pad = (n) => String(n).padStart(2, '0');
  // fmtTime says an RFC 3339 instant as HH:MM on the office's clock,
  // whatever zone the visitor's phone is in.
  function fmtTime(iso) {
    try {
      return new Intl.DateTimeFormat('ru-RU', { timeZone: data.timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
    } catch (_) {
      return iso.slice(11, 16); // the API writes times with the office's offset
    }
  }
  // dayOf is the office's date (YYYY-MM-DD) of an RFC 3339 instant.
  function dayOf(iso) {
    try {
      const p = {};
      for (const x of new Intl.DateTimeFormat('en-US', { timeZone: data.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(iso))) p[x.type] = x.value;
      return p.year + '-' + p.month + '-' + p.day;
    } catch (_) {
      return iso.slice(0, 10);
    }
  }
  // A calendar date is the same everywhere: read it as UTC so that the
  // visitor's zone cannot shift the weekday.
  function parts(date) {
    const [y, m, d] = date.split('-').map(Number);
    return { y, m, d, wd: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
  }
  function dayMonth(date) {
    const p = parts(date);
    return p.d + '\u00a0' + t('months')[p.m - 1];
  }
  function weekday(date) { return t('weekdays')[parts(date).wd]; }
  function longDate(date) {
    const p = parts(date);
    return lang === 'ru'
      ? weekday(date) + ', ' + dayMonth(date) + ' ' + p.y + '\u00a0г.'
      : weekday(date) + ', ' + dayMonth(date) + ' ' + p.y;
  }

  // showPhone writes a Russian number the way people read it,
  // +7 912 345-67-89; the server keeps it as +79123456789.
  function showPhone(p) {
    const m = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(p || '');
    return m ? '+7 ' + m[1] + ' ' + m[2] + '-' + m[3] + '-' + m[4] : p;
  }

  // ---- steps ----

  const sections = { service: 'stepService', day: 'stepDay', slot: 'stepSlot', details: 'stepDetails', done: 'done', cancel: 'cancel' };
  const titles = { service: 'serviceTitle', day: 'dayTitle', slot: 'slotTitle', details: 'detailsTitle', done: 'doneTitle', cancel: 'cancelHeading' };

  // show makes name the visible step. Each step forward is a history entry,
  // so the phone's back button goes back a step rather than off the page.
  let depth = 0; // history entries this page has pushed below the current one
  function show(name, push = true) {
    for (const [k, id] of Object.entries(sections)) $(id).hidden = k !== name;
    const moved = step !== name;
    step = name;
    document.body.dataset.step = name;
    if (push && moved) history.pushState({ step: name, depth: ++depth }, '');
    if (moved) {
      window.scrollTo(0, 0);
      $(titles[name]).focus({ preventScroll: true }); // screen readers start at the new step
    }
  }

  // back returns to the step before, through history when there is one so
  // that the browser's back button and the page's agree.
  function back(fallback) {
    if (depth > 0) history.back();
    else show(fallback);
  }

  // usable is the step to show for want: a step whose choice is gone (or
  // a confirmation since cancelled) falls back to the last step still valid.
  function usable(want) {
    const chain = ['service', 'day', 'slot', 'details'];
    const ok = { service: true, cancel: true, day: !!sel.service, slot: !!sel.date, details: !!sel.slot, done: !!booked };
    if (ok[want]) return want;
    let i = chain.indexOf(want);
    if (i < 0) i = 0;
    while (i > 0 && !ok[chain[i]]) i--;
    return chain[i];
  }

  window.addEventListener('popstate', (ev) => {
    const st = ev.state || {};
    depth = st.depth || 0;
    show(usable(st.step || 'service'), false);
  });

  function applyLang() {
    document.documentElement.lang = lang;
    document.title = t('title');
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $('lang').textContent = t('other');
    $('lang').lang = lang === 'ru' ? 'en' : 'ru';
    render();
  }

  function render() {
    if (!data) return;
    $('office').textContent = text(data.office);
    renderServices();
    if (sel.service) renderDays();
    if (sel.date) renderSlots();
    if (sel.slot) renderSummary();
    if (booked) renderConfirmation();
    if (found) renderFound();
  }

  // choice is a button with a big first line and small lines under it.
  function choice(big, smalls, onTap, disabled) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'choice';
    const s1 = document.createElement('span');
    s1.className = 'big';
    s1.textContent = big;
    b.append(s1);
    for (const line of smalls) {
      if (!line) continue;
      const s2 = document.createElement('span');
      s2.className = 'small';
      s2.textContent = line;
      b.append(s2);
    }
    b.disabled = !!disabled;
    b.addEventListener('click', onTap);
    return b;
  }

  function renderServices() {
    const box = $('services');
    box.innerHTML = '';
    const bookable = data.services.filter((s) => s.bookable);
    if (bookable.length === 0) {
      const p = document.createElement('p');
      p.className = 'message';
      p.textContent = t('noServices');
      box.append(p);
      return;
    }
    const groups = data.groups.map((g) => ({ id: g.id, name: text(g.name) }));
    if (bookable.some((s) => !groups.find((g) => g.id === s.group))) groups.push({ id: null, name: t('general') });
    for (const g of groups) {
      const svcs = bookable.filter((s) => (g.id === null ? !data.groups.find((x) => x.id === s.group) : s.group === g.id));
      if (svcs.length === 0) continue;
      const h = document.createElement('h2');
      h.textContent = g.name;
      const list = document.createElement('div');
      list.className = 'choices services';
      for (const s of svcs) {
        const b = choice(text(s.name), [s.appointment_only ? t('onlyBooked') : ''], () => pickService(s.id));
        b.dataset.service = s.id;
        list.append(b);
      }
      box.append(h, list);
    }
  }

  const serviceName = () => text(sel.service && sel.service.name);

  async function pickService(id) {
    sel.service = data.services.find((s) => s.id === id);
    sel.date = '';
    sel.slot = null;
    days = [];
    $('dayMessage').textContent = '';
    $('noDays').hidden = true;
    try {
      await busy(loadDays);
    } catch (err) {
      $('dayMessage').textContent = err.message;
    }
    show('day');
  }

  async function loadDays() {
    const r = await api('GET', '/api/v1/slots?service_id=' + encodeURIComponent(sel.service.id));
    days = r.days || [];
    renderDays();
  }

  function renderDays() {
    $('dayChosen').textContent = serviceName();
    const box = $('days');
    box.innerHTML = '';
    for (const d of days) {
      const b = choice(dayMonth(d.date), [weekday(d.date), d.free > 0 ? t('places', { n: d.free }) : t('full')], () => pickDay(d.date), d.free <= 0);
      b.dataset.date = d.date;
      box.append(b);
    }
    $('noDays').hidden = days.length > 0;
  }

  async function pickDay(date) {
    sel.date = date;
    sel.slot = null;
    slots = [];
    $('noSlots').hidden = true;
    $('slotMessage').textContent = '';
    $('slotMessage').className = 'message';
    try {
      await busy(loadSlots);
    } catch (err) {
      $('slotMessage').textContent = err.message;
    }
    show('slot');
  }

  async function loadSlots() {
    const r = await api('GET', '/api/v1/slots?service_id=' + encodeURIComponent(sel.service.id) + '&date=' + encodeURIComponent(sel.date));
    slots = r.slots || [];
    renderSlots();
  }

  // renderSlots offers the bookable slots; a full one stays in its place,
  // disabled, so the times do not jump about between visits.
  function renderSlots() {
    $('slotChosen').textContent = serviceName() + ' · ' + longDate(sel.date);
    const box = $('slots');
    box.innerHTML = '';
    const offered = slots.filter((s) => s.bookable);
    for (const s of offered) {
      const hm = fmtTime(s.start);
      const b = choice(hm, [s.free > 0 ? t('places', { n: s.free }) : t('full')], () => pickSlot(s), s.free <= 0);
      b.dataset.start = s.start;
      b.dataset.time = hm;
      b.setAttribute('aria-label', hm + ', ' + (s.free > 0 ? t('places', { n: s.free }) : t('full')));
      box.append(b);
    }
    $('noSlots').hidden = offered.some((s) => s.free > 0);
  }

  function pickSlot(s) {
    sel.slot = s;
    for (const id of ['formError', 'nameError', 'phoneError']) $(id).textContent = '';
    $('phone').removeAttribute('aria-invalid');
    $('name').removeAttribute('aria-invalid');
    renderSummary();
    show('details');
  }

  function facts(dl, rows) {
    dl.innerHTML = '';
    for (const [k, v, cls] of rows) {
      if (!v) continue;
      const dt = document.createElement('dt');
      dt.textContent = t(k);
      const dd = document.createElement('dd');
      dd.textContent = v;
      if (cls) dd.className = cls;
      dl.append(dt, dd);
    }
  }

  function renderSummary() {
    facts($('summary'), [
      ['service', serviceName()],
      ['date', longDate(sel.date)],
      ['time', fmtTime(sel.slot.start) + '–' + fmtTime(sel.slot.end)],
    ]);
  }

  async function confirmBooking(ev) {
    ev.preventDefault();
    for (const id of ['formError', 'nameError', 'phoneError']) $(id).textContent = '';
    $('phone').removeAttribute('aria-invalid');
    $('name').removeAttribute('aria-invalid');
    const body = { service_id: sel.service.id, start: sel.slot.start };
    const name = $('name').value.trim();
    const phone = $('phone').value.trim();
    if (name) body.name = name;
    if (phone) body.phone = phone;
    try {
      booked = await busy(() => api('POST', '/api/v1/appointments', body));
    } catch (err) {
      await refused(err);
      return;
    }
    renderConfirmation();
    // The confirmation replaces the form in history: back from it starts a
    // new booking instead of offering to send the same one twice.
    history.replaceState({ step: 'done', depth }, '');
    show('done', false);
  }

  // refused tells the visitor why a booking was not made and where to fix it.
  async function refused(err) {
    const e = err.body || {};
    const d = e.details || {};
    if (d.field === 'phone') {
      $('phoneError').textContent = err.message;
      $('phone').setAttribute('aria-invalid', 'true');
      $('phone').focus();
      return;
    }
    if (d.field === 'name') {
      $('nameError').textContent = err.message;
      $('name').setAttribute('aria-invalid', 'true');
      $('name').focus();
      return;
    }
    if (err.status === 409) {
      // The slot filled up meanwhile (reason "full") or its time passed:
      // fresh slots, not a dead end.
      const hm = fmtTime(sel.slot.start);
      try {
        await busy(loadSlots);
      } catch (e2) {
        $('formError').textContent = err.message + ' ' + e2.message;
        return;
      }
      const msg = d.reason === 'full' ? t('slotTaken', { time: hm }) : err.message + ' ' + t('reloaded');
      sel.slot = null;
      renderSlots();
      $('slotMessage').textContent = msg;
      $('slotMessage').className = 'message error';
      back('slot'); // the form was reached from the slots: step back to them
      loadDays().catch(() => {}); // the days' free counts changed too
      return;
    }
    $('formError').textContent = err.message; // 429, network, anything else
  }

  function renderConfirmation() {
    const a = booked;
    const date = dayOf(a.start);
    const svc = data.services.find((s) => s.id === a.service_id);
    $('cOffice').textContent = text(data.office);
    $('code').textContent = a.code;
    facts($('cFacts'), [
      ['service', svc ? text(svc.name) : text(a.service)],
      ['date', longDate(date)],
      ['time', fmtTime(a.start) + '–' + fmtTime(a.end), 'time'],
      ['name', a.name],
      ['phone', showPhone(a.phone)],
    ]);
    $('cCheckin').textContent = t('checkin', { from: fmtTime(a.checkin_from), until: fmtTime(a.checkin_until) });
    $('cLate').textContent = t('late', { until: fmtTime(a.checkin_until) });
    const place = data.address && data.address.ru ? text(data.office) + ', ' + text(data.address) : text(data.office);
    $('cWhere').textContent = t('where', { office: place }) + ' ' + t('cancelHint', { url: location.host + '/book', code: a.code });
  }

  // ---- cancelling by code ----

  function openCancel(code) {
    found = null;
    $('found').hidden = true;
    $('cancelError').textContent = '';
    $('cancelDone').textContent = '';
    $('cancelCode').value = code || '';
    show('cancel');
    if (code) findBooking();
  }

  async function findBooking(ev) {
    if (ev) ev.preventDefault();
    $('cancelError').textContent = '';
    $('cancelDone').textContent = '';
    $('found').hidden = true;
    found = null;
    const code = $('cancelCode').value.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) {
      $('cancelError').textContent = t('codeDigits');
      $('cancelCode').focus();
      return;
    }
    try {
      found = await busy(() => api('GET', '/api/v1/appointments/' + code));
    } catch (err) {
      $('cancelError').textContent = err.message;
      return;
    }
    renderFound();
  }

  function renderFound() {
    const a = found;
    facts($('foundFacts'), [
      ['service', text(a.service)],
      ['date', longDate(dayOf(a.start))],
      ['time', fmtTime(a.start) + '–' + fmtTime(a.end)],
      ['status', t('st_' + a.status)],
    ]);
    $('cancelBtn').hidden = a.status !== 'booked';
    $('found').hidden = false;
  }

  async function cancelBooking() {
    $('cancelError').textContent = '';
    try {
      found = await busy(() => api('POST', '/api/v1/appointments/' + found.code + '/cancel'));
    } catch (err) {
      $('cancelError').textContent = err.message;
      return;
    }
    if (booked && booked.code === found.code) booked = null;
    renderFound();
    $('cancelDone').textContent = t('cancelled', { code: found.code });
  }

  function startOver() {
    booked = null;
    sel.service = null;
    sel.date = '';
    sel.slot = null;
    $('name').value = '';
    $('phone').value = '';
    show('service');
  }

  // ---- wiring ----

  document.querySelectorAll('[data-back]').forEach((b) => b.addEventListener('click', () => back(b.dataset.back)));
  $('lang').addEventListener('click', () => {
    lang = lang === 'ru' ? 'en' : 'ru';
    stored('eq.lang', lang);
    applyLang();
  });
  $('bookForm').addEventListener('submit', confirmBooking);
  $('toCancel').addEventListener('click', () => openCancel(''));
  $('cancelThis').addEventListener('click', () => openCancel(booked.code));
  $('again').addEventListener('click', startOver);
  $('print').addEventListener('click', () => window.print());
  $('findForm').addEventListener('submit', findBooking);
  $('cancelBtn').addEventListener('click', cancelBooking);

  async function start() {
    history.replaceState({ step: 'service', depth: 0 }, '');
    applyLang();
    try {
      data = await api('GET', '/api/v1/services');
    } catch (err) {
      $('loading').textContent = err.message;
      $('loading').className = 'message error';
      return;
    }
    $('loading').hidden = true;
    render();
  }
  start();
})();
