// The operator console: sign in, pick a window, work the queue over the
// WebSocket console protocol (docs/console-protocol.md). No framework, no
// build step: the page is embedded in the eq binary and served on the LAN.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);

  const T = {
    ru: {
      offline: 'нет связи', online: 'на связи', logout: 'Выйти', signIn: 'Вход для сотрудников', login: 'Логин',
      password: 'Пароль', enter: 'Войти', pickWindow: 'Выберите окно', window: 'Окно', start: 'Начать работу',
      allWindows: 'Все окна (руководитель)', current: 'Текущий посетитель', callNext: 'Вызвать следующего',
      recall: 'Повторить вызов', startService: 'Начать приём', noShow: 'Не явился', finish: 'Завершить',
      postpone: 'Отложить, мин', returnToMe: 'вернуть ко мне', forward: 'Перенаправить', breakReason: 'Причина перерыва',
      break: 'Перерыв', resume: 'Продолжить', openWindow: 'Открыть окно', closeWindow: 'Закрыть окно',
      changeWindow: 'Другое окно', queues: 'Очереди', service: 'Услуга', waiting: 'Ждут', longest: 'Дольше всех',
      predicted: 'Прогноз', myDay: 'Мой день', operator: 'Сотрудник', state: 'Состояние', services: 'Услуги (уровень)',
      back: 'Назад', windowsOpen: 'Окон', edit: 'Изменить', save: 'Сохранить', cancel: 'Отмена',
      keys: 'Клавиши: N или пробел — вызвать, R — повтор, S — начать, F — завершить, X — не явился, P — отложить, W — перенаправить, B — перерыв, U — продолжить, O — открыть, C — закрыть',
      closed: 'Окно закрыто', free: 'Окно открыто, свободно', onBreak: 'Перерыв', called: 'вызван', serving: 'на приёме',
      waitingSt: 'ожидает', postponed: 'отложен', done: 'обслужен', no_show: 'не явился', cancelled: 'отменён', not_served: 'не обслужен',
      served: 'Обслужен', documents_accepted: 'Документы приняты', result_issued: 'Результат выдан', consultation: 'Консультация', refused: 'Отказ в приёме',
      toService: 'Услуга', toWindow: 'Окно', servedToday: 'Обслужено сегодня', meanService: 'Среднее время приёма',
      breakUsed: 'Перерывы', breakLeft: 'осталось', min: 'мин', over: 'срок превышен', ok: 'Готово', offlineAct: 'Нет связи с сервером: действие не отправлено',
      recallsLeft: 'повторных вызовов осталось', autoCallIn: 'автовызов через', autoCallSoon: 'автовызов, как только кто-то придёт', autoCall: 'Автовызов', autoCallPause: 'пауза', ratioRule: 'Правило очерёдности', privilegedNext: 'льготные — первыми', othersCalled: 'других вызвано', noReply: 'Сервер не ответил', needReason: 'Выберите причину перерыва', pickTarget: 'Выберите, куда перенаправить', nobody: '—',
      printers: 'Принтеры киосков', connection: 'Подключение', printedFailed: 'Напечатано / не напечатано',
      windowN: 'окно', saved: 'Услуги окна сохранены', selectOne: 'Отметьте хотя бы одну услугу', signedOut: 'Сессия закончилась: войдите снова',
      appointments: 'Записи на сегодня', time: 'Время', code: 'Код', status: 'Статус', ticket: 'Талон', name: 'Имя', phone: 'Телефон',
      booked: 'ожидается', checked_in: 'пришёл', missed: 'не явился', apptCancelled: 'отменена', noAppointments: 'Записей на сегодня нет',
    },
    en: {
      offline: 'offline', online: 'online', logout: 'Sign out', signIn: 'Staff sign-in', login: 'Login',
      password: 'Password', enter: 'Sign in', pickWindow: 'Choose your window', window: 'Window', start: 'Start work',
      allWindows: 'All windows (manager)', current: 'Current visitor', callNext: 'Call next',
      recall: 'Call again', startService: 'Start service', noShow: 'No-show', finish: 'Finish',
      postpone: 'Postpone, min', returnToMe: 'return to me', forward: 'Forward', breakReason: 'Break reason',
      break: 'Break', resume: 'Resume', openWindow: 'Open window', closeWindow: 'Close window',
      changeWindow: 'Other window', queues: 'Queues', service: 'Service', waiting: 'Waiting', longest: 'Longest',
      predicted: 'Predicted', myDay: 'My day', operator: 'Operator', state: 'State', services: 'Services (level)',
      back: 'Back', windowsOpen: 'Windows', edit: 'Edit', save: 'Save', cancel: 'Cancel',
      keys: 'Keys: N or space — call, R — recall, S — start, F — finish, X — no-show, P — postpone, W — forward, B — break, U — resume, O — open, C — close',
      closed: 'Window closed', free: 'Window open, free', onBreak: 'Break', called: 'called', serving: 'being served',
      waitingSt: 'waiting', postponed: 'postponed', done: 'served', no_show: 'no-show', cancelled: 'cancelled', not_served: 'not served',
      served: 'Served', documents_accepted: 'Documents accepted', result_issued: 'Result issued', consultation: 'Consultation', refused: 'Refused',
      toService: 'Service', toWindow: 'Window', servedToday: 'Served today', meanService: 'Mean service time',
      breakUsed: 'Breaks', breakLeft: 'left', min: 'min', over: 'over target', ok: 'Done', offlineAct: 'No connection to the server: nothing was sent',
      recallsLeft: 'recalls left', autoCallIn: 'auto-call in', autoCallSoon: 'auto-call as soon as someone comes', autoCall: 'Auto-call', autoCallPause: 'pause', ratioRule: 'Ratio rule', privilegedNext: 'privileged visitors first', othersCalled: 'others called', noReply: 'The server did not answer', needReason: 'Choose the reason for the break', pickTarget: 'Choose where to forward', nobody: '—',
      printers: 'Kiosk printers', connection: 'Connection', printedFailed: 'Printed / failed',
      windowN: 'window', saved: 'Window services saved', selectOne: 'Tick at least one service', signedOut: 'Your session ended: sign in again',
      appointments: "Today's appointments", time: 'Time', code: 'Code', status: 'Status', ticket: 'Ticket', name: 'Name', phone: 'Phone',
      booked: 'expected', checked_in: 'checked in', missed: 'no-show', apptCancelled: 'cancelled', noAppointments: 'No appointments today',
    },
  };
  let lang = localStorage.getItem('eq.lang') || 'ru';
  const t = (k) => (T[lang] && T[lang][k]) || T.ru[k] || k;
  const text = (x) => (x ? (lang === 'ru' ? x.ru : x.en || x.ru) : '');
  const errText = (e) => (lang === 'ru' ? e.message : e.message_en || e.message);

  let me = null;
  let state = null; // the last console state, kept current by updates
  let queueAt = 0; // when the queue figures arrived, to count waits up locally
  let windowNo = 0;
  let mode = 'desk';
  let ws = null;
  let online = false;
  let stopped = true;
  let backoff = 500;
  let nextId = 1;
  const pending = new Map();
  let editing = null; // manager: {window, levels: {service: level}}
  let printers = []; // manager: the kiosks' printers, polled

  async function pollPrinters() {
    if (mode !== 'manager' || !me) return;
    try {
      printers = (await api('GET', '/api/v1/printers')).printers;
      render();
    } catch (_) { /* shown as stale; the WebSocket says when we are offline */ }
  }
  setInterval(pollPrinters, 10000);

  // Today's appointments, polled: bookings come from the web and imports,
  // not through the console's WebSocket. Names and phones arrive masked.
  let appointments = [];
  async function pollAppointments() {
    if (!me || !(mode === 'manager' || windowNo)) return;
    try {
      appointments = (await api('GET', '/api/v1/appointments')).appointments;
      renderAppointments();
    } catch (_) { /* kept as last seen */ }
  }
  setInterval(pollAppointments, 20000);

  // officeTime is HH:MM of a time as the server writes it, in the office's
  // zone with its offset ("2026-11-23T11:00:00+03:00"): the PC's zone may differ.
  const officeTime = (iso) => iso.slice(11, 16);

  // renderAppointments fills the desk's table with the appointments of its
  // window's services, the manager's with all of them.
  function renderAppointments() {
    const manager = mode === 'manager';
    const table = $(manager ? 'allAppointments' : 'appointments');
    const tbody = table.querySelector('tbody');
    tbody.innerHTML = '';
    let list = appointments;
    if (!manager && state && state.window) {
      const mine = new Set(state.window.services.map((s) => s.service_id));
      list = list.filter((a) => mine.has(a.service_id));
    }
    for (const a of list) {
      const st = a.status === 'cancelled' ? 'apptCancelled' : a.status;
      const tr = queueRow([[officeTime(a.start), false], [a.code, true], [text(a.service), false], [t(st), false],
        [a.number || '', false], [a.name || '', false], [a.phone || '', false]], a.status === 'missed');
      tr.dataset.code = a.code;
      tbody.appendChild(tr);
    }
    $(manager ? 'allAppointmentsNone' : 'appointmentsNone').hidden = list.length > 0;
  }

  const ACTIONS = ['call-next', 'recall', 'start', 'no-show', 'finish', 'postpone', 'forward', 'break', 'resume', 'open', 'close'];

  function show(section) {
    for (const id of ['login', 'pick', 'desk', 'manager']) $(id).hidden = id !== section;
  }

  async function api(method, path, body) {
    const opts = { method, credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const r = await fetch(path, opts);
    let data = null;
    try { data = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const err = new Error(data && data.error ? errText(data.error) : 'HTTP ' + r.status);
      err.status = r.status;
      throw err;
    }
    return data;
  }

  function say(el, msg, kind) {
    el.textContent = msg || '';
    el.className = 'message' + (kind ? ' ' + kind : '');
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    $('lang').textContent = lang === 'ru' ? 'EN' : 'RU';
    setOnline(online);
    render();
  }

  // ---- sign-in and window choice ----

  async function boot() {
    applyLang();
    try {
      me = await api('GET', '/api/v1/me');
      afterLogin();
    } catch (_) {
      show('login');
    }
  }

  $('loginForm').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('loginError').textContent = '';
    try {
      me = await api('POST', '/api/v1/login', { login: $('loginName').value.trim(), password: $('loginPass').value });
      $('loginPass').value = '';
      afterLogin();
    } catch (err) {
      $('loginError').textContent = err.message;
    }
  });

  function afterLogin() {
    $('who').textContent = me.name ? me.name + (me.position ? ', ' + me.position : '') : me.login;
    $('logout').hidden = false;
    const saved = Number(localStorage.getItem('eq.window.' + me.login)) || 0;
    if (saved) {
      startDesk(saved);
    } else {
      showPick();
    }
  }

  async function showPick() {
    disconnect();
    show('pick');
    $('toManager').hidden = !(me.role === 'manager' || me.role === 'admin');
    try {
      const data = await api('GET', '/api/v1/windows');
      const sel = $('pickWindow');
      sel.innerHTML = '';
      for (const w of data.windows) {
        const o = document.createElement('option');
        o.value = w.number;
        o.textContent = t('window') + ' ' + w.number + (w.operator_name ? ' — ' + w.operator_name : '');
        sel.appendChild(o);
      }
      sel.value = String(me.window || (data.windows[0] && data.windows[0].number) || '');
    } catch (err) {
      if (err.status === 401) show('login');
    }
  }

  $('pickForm').addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number($('pickWindow').value);
    localStorage.setItem('eq.window.' + me.login, String(n));
    startDesk(n);
  });
  $('changeWindow').addEventListener('click', () => {
    localStorage.removeItem('eq.window.' + me.login);
    showPick();
  });
  $('toManager').addEventListener('click', () => {
    mode = 'manager';
    windowNo = 0;
    show('manager');
    connect();
    pollPrinters();
    pollAppointments();
  });
  $('managerBack').addEventListener('click', () => { mode = 'desk'; showPick(); });
  $('logout').addEventListener('click', async () => {
    disconnect();
    try { await api('POST', '/api/v1/logout'); } catch (_) { /* signed out anyway */ }
    me = null;
    state = null;
    $('who').textContent = '';
    $('logout').hidden = true;
    show('login');
  });
  $('lang').addEventListener('click', () => {
    lang = lang === 'ru' ? 'en' : 'ru';
    localStorage.setItem('eq.lang', lang);
    applyLang();
  });

  function startDesk(n) {
    mode = 'desk';
    windowNo = n;
    show('desk');
    connect();
    pollAppointments();
  }

  // ---- the WebSocket ----

  function setOnline(on) {
    online = on;
    const net = $('net');
    net.textContent = t(on ? 'online' : 'offline');
    net.className = 'net ' + (on ? 'online' : 'offline');
    render();
  }

  function disconnect() {
    stopped = true;
    if (ws) ws.close();
    ws = null;
    setOnline(false);
  }

  function connect() {
    stopped = false;
    if (ws) { ws.onclose = null; ws.close(); }
    state = null;
    const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws/console' + (windowNo ? '?window=' + windowNo : '');
    const sock = new WebSocket(url);
    ws = sock;
    sock.onmessage = (e) => handle(JSON.parse(e.data));
    sock.onclose = () => {
      if (ws !== sock) return;
      setOnline(false);
      for (const [, p] of pending) p.reject(new Error(t('offlineAct')));
      pending.clear();
      if (stopped) return;
      // Back off, with jitter so that a room of consoles does not reconnect in step.
      const wait = backoff + Math.random() * backoff / 2;
      backoff = Math.min(backoff * 2, 10000);
      setTimeout(async () => {
        if (stopped || ws !== sock) return;
        try {
          await api('GET', '/api/v1/me');
        } catch (err) {
          if (err.status === 401) {
            stopped = true;
            show('login');
            $('loginError').textContent = t('signedOut');
            return;
          }
        }
        connect();
      }, wait);
    };
  }

  function handle(m) {
    switch (m.type) {
      case 'state':
        state = m;
        queueAt = Date.now();
        backoff = 500;
        $('office').textContent = text(m.office);
        setOnline(true);
        fillSelects();
        break;
      case 'window':
        if (!state) return;
        state.windows = state.windows.map((w) => (w.number === m.window.number ? m.window : w));
        if (state.window && state.window.number === m.window.number) state.window = m.window;
        break;
      case 'queue':
        if (!state) return;
        state.queue = m.queue;
        queueAt = Date.now();
        break;
      case 'reply': {
        const p = pending.get(m.id);
        if (p) { pending.delete(m.id); p.resolve(m); }
        return;
      }
      case 'error':
        say($('message'), errText(m.error), 'error');
        return;
      default:
        return;
    }
    render();
  }

  function send(action, params) {
    if (!online || !ws) return Promise.reject(new Error(t('offlineAct')));
    const id = String(nextId++);
    const msg = Object.assign({ type: 'command', id, action }, params || {});
    if (!windowNo) msg.at_window = params && params.at_window;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify(msg));
      setTimeout(() => {
        if (pending.has(id)) { pending.delete(id); reject(new Error(t('noReply'))); }
      }, 15000);
    });
  }

  // ---- actions ----

  function paramsFor(action) {
    switch (action) {
      case 'finish': return { outcome: $('outcome').value };
      case 'postpone': return { minutes: Number($('postponeMin').value) };
      case 'break': {
        const reason = $('breakReason').value;
        if (!reason) throw new Error(t('needReason'));
        return { reason };
      }
      case 'forward': {
        const v = $('forwardTo').value;
        if (!v) throw new Error(t('pickTarget'));
        const p = v.startsWith('win:') ? { window: Number(v.slice(4)) } : { service_id: v.slice(4) };
        if ($('forwardReturn').checked) p.return = true;
        return p;
      }
      default: return {};
    }
  }

  async function act(action) {
    const msgEl = $('message');
    let params;
    try { params = paramsFor(action); } catch (err) { say(msgEl, err.message, 'error'); return; }
    try {
      const r = await send(action, params);
      if (!r.ok) { say(msgEl, errText(r.error), 'error'); return; }
      if (r.warnings && r.warnings.length) say(msgEl, r.warnings.map(text).join('; '), 'warn');
      else say(msgEl, t('ok'), 'ok');
      if (action === 'break') $('breakReason').value = '';
      if (action === 'forward') $('forwardReturn').checked = false;
    } catch (err) {
      say(msgEl, err.message, 'error');
    }
  }

  for (const a of ACTIONS) $('act-' + a).addEventListener('click', () => act(a));

  document.addEventListener('keydown', (e) => {
    if (mode !== 'desk' || $('desk').hidden || e.ctrlKey || e.altKey || e.metaKey) return;
    const tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    const key = e.code === 'Space' ? 'N' : (e.code.startsWith('Key') ? e.code.slice(3) : '');
    const btn = document.querySelector('#desk button[data-key="' + key + '"]');
    if (btn && !btn.disabled) { e.preventDefault(); btn.click(); }
  });

  // ---- rendering ----

  const svcName = (id) => {
    const s = state && state.services.find((x) => x.id === id);
    return s ? text(s.name) : id;
  };
  const mmss = (s) => {
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ':' + String(m).padStart(2, '0') : m) + ':' + String(sec).padStart(2, '0');
  };
  const mins = (s) => Math.round(s / 60) + ' ' + t('min');
  // breakName is ": reason" for a window on a break, in the page's language
  // when the reason is one of the office's list.
  const breakName = (w) => {
    const r = w.break_reason_id && state && (state.break_reasons || []).find((x) => x.id === w.break_reason_id);
    const name = r ? text(r.name) : w.break_reason;
    return name ? ': ' + name : '';
  };

  function fillSelects() {
    const out = $('outcome');
    out.innerHTML = '';
    for (const o of state.outcomes) {
      const opt = document.createElement('option');
      opt.value = o;
      opt.textContent = t(o);
      out.appendChild(opt);
    }
    // Break reasons come from the office's list (state.break_reasons): the
    // report sums breaks per reason, so the operator picks rather than types.
    const br = $('breakReason');
    br.innerHTML = '';
    const none = document.createElement('option');
    none.value = '';
    none.textContent = t('breakReason');
    br.appendChild(none);
    for (const r of state.break_reasons || []) {
      const opt = document.createElement('option');
      opt.value = r.id;
      opt.textContent = text(r.name);
      br.appendChild(opt);
    }
    const fw = $('forwardTo');
    fw.innerHTML = '<option value=""></option>';
    for (const s of state.services) {
      const opt = document.createElement('option');
      opt.value = 'svc:' + s.id;
      opt.textContent = t('toService') + ': ' + text(s.name);
      fw.appendChild(opt);
    }
    for (const w of state.windows) {
      if (w.number === windowNo) continue;
      const opt = document.createElement('option');
      opt.value = 'win:' + w.number;
      opt.textContent = t('toWindow') + ' ' + w.number + (w.operator_name ? ' — ' + w.operator_name : '');
      fw.appendChild(opt);
    }
  }

  function queueRow(cells, late) {
    const tr = document.createElement('tr');
    if (late) tr.className = 'late';
    for (const [v, num] of cells) {
      const td = document.createElement('td');
      td.textContent = v;
      if (num) td.className = 'num';
      tr.appendChild(td);
    }
    return tr;
  }

  function serviceRow(svc, withWindows) {
    const grown = (Date.now() - queueAt) / 1000;
    const longest = svc.waiting > 0 ? svc.longest_wait_s + grown : 0;
    const late = svc.over_target || longest > svc.target_wait_s;
    const cells = [[text(svc.name) + (late ? ' — ' + t('over') : ''), false]];
    if (withWindows) cells.push([String(svc.windows_open), true]);
    cells.push([String(svc.waiting), true], [mmss(longest), true], [mins(svc.predicted_wait_s), true]);
    return queueRow(cells, late);
  }

  function render() {
    for (const a of ACTIONS) $('act-' + a).disabled = true;
    if (!state) return;
    renderAppointments();
    if (mode === 'manager') { renderManager(); return; }
    const w = state.window;
    if (!w) return;
    $('where').textContent = '· ' + t('window') + ' ' + w.number;
    const cur = w.current;
    const stage = cur && cur.history[cur.history.length - 1];
    $('ticketNumber').textContent = cur ? cur.number : t('nobody');
    // recalls_left comes with a called ticket only: past it a recall marks a no-show.
    $('ticketInfo').textContent = cur ? svcName(cur.service_id) + ' · ' + t(cur.status === 'waiting' ? 'waitingSt' : cur.status) +
      (cur.recalls_left != null ? ' · ' + t('recallsLeft') + ': ' + cur.recalls_left : '') : '';
    let since = null;
    if (stage) since = stage.started_at || stage.called_at;
    $('ticketTimer').textContent = since ? mmss((Date.now() - Date.parse(since)) / 1000) : '';
    $('ticketReason').textContent = stage && stage.call_reason ? stage.call_reason : '';
    const st = $('windowState');
    st.className = 'state' + (w.on_break ? ' break' : '');
    st.textContent = !w.open ? t('closed') : w.on_break ? t('onBreak') + breakName(w) + ' · ' + mmss((Date.now() - Date.parse(w.break_started)) / 1000) : (cur ? '' : t('free') + autoCallText(w));

    if (online) {
      const called = cur && cur.status === 'called';
      const serving = cur && cur.status === 'serving';
      const can = {
        open: !w.open, close: w.open && !cur, 'call-next': w.open && !w.on_break && !cur,
        recall: called, start: called, 'no-show': called, finish: serving, forward: serving,
        postpone: !!cur, break: w.open && !w.on_break && !cur, resume: w.on_break,
      };
      for (const a of ACTIONS) $('act-' + a).disabled = !can[a];
    }

    const tbody = $('queues').querySelector('tbody');
    tbody.innerHTML = '';
    const levels = [...w.services].sort((a, b) => a.level - b.level);
    for (const ws of levels) {
      const svc = state.queue.services.find((s) => s.id === ws.service_id);
      if (svc) tbody.appendChild(serviceRow(svc, false));
    }
    const day = $('myDay');
    day.innerHTML = '';
    const lines = [
      [t('servedToday'), String(w.served_today)],
      [t('meanService'), w.served_today ? mmss(w.mean_service_s) : '—'],
      [t('breakUsed'), mins(w.break_used_s) + ', ' + t('breakLeft') + ' ' + mins(Math.max(0, w.break_left_s))],
    ];
    // The window's own rules, so that an operator knows why the next
    // visitor is who they are and that the console may call by itself.
    if (w.ratio) {
      lines.push([t('ratioRule'), w.ratio + ':1 · ' + (w.privileged_next ? t('privilegedNext') : t('othersCalled') + ' ' + (w.others_called || 0) + '/' + w.ratio)]);
    }
    if (w.auto_call) lines.push([t('autoCall'), t('autoCallPause') + ' ' + mmss(w.auto_call_pause_s || 0)]);
    for (const [k, v] of lines) {
      const p = document.createElement('div');
      p.textContent = k + ': ' + v;
      day.appendChild(p);
    }
  }

  // autoCallText counts down to the window's auto-call while it is free;
  // past the moment it waits for a visitor to come.
  function autoCallText(w) {
    if (!w.auto_call_at) return '';
    const left = (Date.parse(w.auto_call_at) - Date.now()) / 1000;
    return ' · ' + (left > 0 ? t('autoCallIn') + ' ' + mmss(left) : t('autoCallSoon'));
  }

  function windowStateText(w) {
    if (!w.open) return t('closed');
    if (w.on_break) return t('onBreak') + breakName(w);
    if (w.current) return w.current.number + ' · ' + t(w.current.status);
    return t('free');
  }

  function renderManager() {
    $('where').textContent = '· ' + t('allWindows');
    const tbody = $('windows').querySelector('tbody');
    tbody.innerHTML = '';
    for (const w of state.windows) {
      const tr = document.createElement('tr');
      const cells = [String(w.number), w.operator_name || '—', windowStateText(w),
        w.services.map((s) => svcName(s.service_id) + ' (' + s.level + ')').join(', ')];
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.appendChild(td);
      }
      const td = document.createElement('td');
      const b = document.createElement('button');
      b.className = 'small';
      b.textContent = t('edit');
      b.addEventListener('click', () => {
        editing = { window: w.number, levels: {} };
        for (const s of w.services) editing.levels[s.service_id] = s.level;
        render();
      });
      td.appendChild(b);
      tr.appendChild(td);
      tbody.appendChild(tr);
      if (editing && editing.window === w.number) tbody.appendChild(editRow());
    }
    const pb = $('printers').querySelector('tbody');
    pb.innerHTML = '';
    for (const p of printers) {
      const ok = p.online && !p.paper_out && !p.cover_open && !p.error;
      pb.appendChild(queueRow([[p.id, false], [p.transport + ' ' + p.target, false],
        [lang === 'ru' ? p.message : p.message_en, false], [p.printed + ' / ' + p.failed, true]], !ok));
    }
    const qb = $('allQueues').querySelector('tbody');
    qb.innerHTML = '';
    for (const svc of state.queue.services) qb.appendChild(serviceRow(svc, true));
  }

  function editRow() {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 5;
    td.className = 'svc-edit';
    for (const s of state.services) {
      const label = document.createElement('label');
      const cb = document.createElement('input');
      cb.type = 'checkbox';
      cb.checked = s.id in editing.levels;
      const lvl = document.createElement('select');
      for (let i = 1; i <= 3; i++) {
        const o = document.createElement('option');
        o.value = String(i);
        o.textContent = String(i);
        lvl.appendChild(o);
      }
      lvl.value = String(editing.levels[s.id] || 1);
      cb.addEventListener('change', () => {
        if (cb.checked) editing.levels[s.id] = Number(lvl.value); else delete editing.levels[s.id];
      });
      lvl.addEventListener('change', () => { if (cb.checked) editing.levels[s.id] = Number(lvl.value); });
      label.append(cb, document.createTextNode(text(s.name)), lvl);
      td.appendChild(label);
    }
    const save = document.createElement('button');
    save.className = 'primary small';
    save.textContent = t('save');
    save.addEventListener('click', async () => {
      const services = Object.entries(editing.levels).map(([service_id, level]) => ({ service_id, level }));
      if (!services.length) { say($('managerMessage'), t('selectOne'), 'error'); return; }
      try {
        await api('PUT', '/api/v1/windows/' + editing.window + '/services', { services });
        editing = null;
        say($('managerMessage'), t('saved'), 'ok');
        render();
      } catch (err) {
        say($('managerMessage'), err.message, 'error');
      }
    });
    const cancel = document.createElement('button');
    cancel.className = 'small';
    cancel.textContent = t('cancel');
    cancel.addEventListener('click', () => { editing = null; render(); });
    td.append(save, cancel);
    tr.appendChild(td);
    return tr;
  }

  setInterval(() => { if (state && !(mode === 'manager' && editing)) render(); }, 1000);
  boot();
})();
