// The manager's live dashboard: every service's queue against its wait
// target and every window's state, kept current over the console
// WebSocket (docs/console-protocol.md) without a window: all windows.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const T = {
    ru: {
      title: '· панель руководителя', offline: 'нет связи', online: 'на связи', signIn: 'Вход для руководителя',
      login: 'Логин', password: 'Пароль', enter: 'Войти', services: 'Очереди', windows: 'Окна', other: 'English',
      waiting: 'ждут', longest: 'дольше всех', predicted: 'прогноз', target: 'норма', min: 'мин', windowsOpen: 'окон',
      window: 'Окно', closed: 'закрыто', free: 'свободно', onBreak: 'перерыв', called: 'вызван', serving: 'на приёме',
      breaches: 'Норма ожидания нарушена: {n}', allGood: 'Все очереди в пределах нормы', dayClosed: 'Рабочий день закрыт',
      forbidden: 'Панель — для руководителя и администратора',
    },
    en: {
      title: '· manager dashboard', offline: 'offline', online: 'online', signIn: 'Manager sign-in',
      login: 'Login', password: 'Password', enter: 'Sign in', services: 'Queues', windows: 'Windows', other: 'Русский',
      waiting: 'waiting', longest: 'longest', predicted: 'predicted', target: 'target', min: 'min', windowsOpen: 'windows',
      window: 'Window', closed: 'closed', free: 'free', onBreak: 'on break', called: 'called', serving: 'serving',
      breaches: 'Wait target broken: {n}', allGood: 'Every queue within its target', dayClosed: 'The working day is closed',
      forbidden: 'The dashboard is for managers and admins',
    },
  };
  let lang = localStorage.getItem('eq.lang') || 'ru';
  const t = (k, vars) => (T[lang][k] || T.ru[k] || k).replace(/\{(\w+)\}/g, (_, v) => (vars ? vars[v] : ''));
  const text = (x) => (x ? (lang === 'ru' ? x.ru : x.en || x.ru) : '');
  const mins = (s) => Math.round(s / 60) + ' ' + t('min');

  let state = null; // the console protocol's state, kept current by updates
  let ws = null;
  let backoff = 500;

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $('lang').textContent = t('other');
    setOnline(ws && ws.readyState === WebSocket.OPEN);
    render();
  }

  function setOnline(on) {
    $('net').textContent = t(on ? 'online' : 'offline');
    $('net').classList.toggle('online', !!on);
  }

  async function boot() {
    const r = await fetch('/api/v1/me', { credentials: 'same-origin' });
    if (r.status === 401) { $('login').hidden = false; return; }
    const me = await r.json();
    if (me.role !== 'manager' && me.role !== 'admin') {
      $('login').hidden = false;
      $('loginError').textContent = t('forbidden');
      return;
    }
    $('login').hidden = true;
    $('board').hidden = false;
    connect();
  }

  $('login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await fetch('/api/v1/login', {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: $('loginName').value, password: $('loginPass').value }),
    });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      $('loginError').textContent = body.error ? (lang === 'ru' ? body.error.message : body.error.message_en) : r.statusText;
      return;
    }
    boot();
  });

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(proto + '//' + location.host + '/ws/console');
    ws.onopen = () => { backoff = 500; };
    ws.onmessage = (ev) => handle(JSON.parse(ev.data));
    ws.onclose = () => {
      setOnline(false);
      const wait = backoff + Math.random() * backoff / 2; // jitter: screens reconnect out of step
      backoff = Math.min(backoff * 2, 10000);
      setTimeout(async () => {
        // A session that ended needs a sign-in, not another socket.
        const r = await fetch('/api/v1/me', { credentials: 'same-origin' }).catch(() => null);
        if (r && r.status === 401) { $('board').hidden = true; $('login').hidden = false; return; }
        connect();
      }, wait);
    };
  }

  function handle(m) {
    switch (m.type) {
      case 'state':
        state = m;
        $('office').textContent = text(m.office);
        setOnline(true);
        break;
      case 'window':
        if (!state) return;
        state.windows = state.windows.map((w) => (w.number === m.window.number ? m.window : w));
        break;
      case 'queue':
        if (!state) return;
        state.queue = m.queue;
        break;
      default:
        return;
    }
    render();
  }

  function tile(cls, lines) {
    const d = document.createElement('div');
    d.className = 'tile ' + cls;
    for (const [c, v] of lines) {
      const el = document.createElement('div');
      el.className = c;
      el.textContent = v;
      d.appendChild(el);
    }
    return d;
  }

  function render() {
    if (!state) return;
    const svcBox = $('services');
    svcBox.innerHTML = '';
    let bad = 0;
    for (const s of state.queue.services) {
      if (s.over_target) bad++;
      const el = tile(s.over_target ? 'bad' : '', [
        ['name', text(s.name)],
        ['big', String(s.waiting)],
        ['line', t('waiting') + ' · ' + t('windowsOpen') + ': ' + s.windows_open],
        ['line wait', t('longest') + ' ' + mins(s.longest_wait_s) + ' · ' + t('predicted') + ' ' + mins(s.predicted_wait_s) + ' / ' + t('target') + ' ' + mins(s.target_wait_s)],
      ]);
      el.dataset.service = s.id;
      svcBox.appendChild(el);
    }
    const sum = $('summary');
    sum.textContent = !state.queue.day_open ? t('dayClosed') : bad ? t('breaches', { n: bad }) : t('allGood');
    sum.className = 'summary' + (bad ? ' bad' : '');
    const winBox = $('windows');
    winBox.innerHTML = '';
    for (const w of state.windows) {
      let st = t('closed');
      if (w.open) st = w.on_break ? t('onBreak') : w.current ? w.current.number + ' · ' + t(w.current.status) : t('free');
      const el = tile(!w.open ? 'closed' : w.on_break ? 'break' : '', [
        ['name', t('window') + ' ' + w.number],
        ['big', w.open && w.current ? w.current.number : '—'],
        ['line', st],
        ['line', w.operator_name || ''],
      ]);
      el.dataset.window = String(w.number);
      winBox.appendChild(el);
    }
  }

  $('lang').addEventListener('click', () => {
    lang = lang === 'ru' ? 'en' : 'ru';
    localStorage.setItem('eq.lang', lang);
    applyLang();
  });
  // The office's clock as the server keeps it is what matters; the PC's
  // clock is close enough for a wall display.
  const tick = () => { $('clock').textContent = new Date().toLocaleTimeString('ru-RU', { hour: '2-digit', minute: '2-digit' }); };
  setInterval(tick, 1000);
  tick();
  applyLang();
  boot();
})();
