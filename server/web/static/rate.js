// The rating tablet at a window: /rate?window=N&token=… shows the ticket
// just served at window N and takes the visitor's mark, 1 to 5, with an
// optional reason. It talks to the JSON API with the tablet's token (kept
// from the page's address), never as staff, and asks what to show every
// few seconds: the window finishes a visitor rarely, and a short poll
// needs no socket of its own and survives any network blip by itself.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const T = {
    ru: {
      other: 'English', window: 'Окно', welcome: 'Добрый день!',
      waitingText: 'После приёма здесь можно будет оценить обслуживание.',
      rateTitle: 'Оцените обслуживание', ticket: 'Талон',
      mark1: 'очень плохо', mark2: 'плохо', mark3: 'нормально', mark4: 'хорошо', mark5: 'отлично',
      marksHint: 'Нажмите оценку: 1 — очень плохо, 5 — отлично',
      reasonsHint: 'Можно добавить причину — или сразу отправить', noReasons: 'Нажмите «Отправить»',
      send: 'Отправить', autoSend: 'Оценка отправится сама через несколько секунд',
      thanks: 'Спасибо!', thanksText: 'Ваша оценка учтена. Она поможет нам работать лучше.',
      offline: 'Нет связи с сервером очереди. Обратитесь к сотруднику.',
      failed: 'Сервер очереди не ответил как ожидалось (код {status}). Обратитесь к сотруднику.',
      noWindow: 'В адресе страницы нет номера окна: откройте /rate?window=N&token=…',
    },
    en: {
      other: 'Русский', window: 'Window', welcome: 'Good day!',
      waitingText: 'After your visit you can rate the service here.',
      rateTitle: 'Please rate the service', ticket: 'Ticket',
      mark1: 'very bad', mark2: 'bad', mark3: 'fair', mark4: 'good', mark5: 'excellent',
      marksHint: 'Tap a mark: 1 is very bad, 5 is excellent',
      reasonsHint: 'You may add a reason — or send it as it is', noReasons: 'Tap “Send”',
      send: 'Send', autoSend: 'Your mark will be sent by itself in a few seconds',
      thanks: 'Thank you!', thanksText: 'Your mark is recorded. It helps us do better.',
      offline: 'No connection to the queue server. Please ask the staff.',
      failed: 'The queue server did not answer as expected (code {status}). Please ask the staff.',
      noWindow: 'The page address names no window: open /rate?window=N&token=…',
    },
  };
  const POLL_MS = 3000; // a finish shows on the tablet within this
  // A mark tapped and left without "Send" is still the visitor's word: it
  // goes by itself after this quiet time, which every tap starts again so
  // that nobody choosing a reason is hurried.
  const SEND_AFTER_MS = 20000;
  const THANKS_MS = 6000;

  const params = new URLSearchParams(location.search);
  if (params.get('token')) sessionStorage.setItem('eq.rate.token', params.get('token'));
  const token = sessionStorage.getItem('eq.rate.token') || '';
  const win = params.get('window') || '';

  let lang = 'ru';
  let view = null; // the API's last answer
  let ticket = ''; // the ticket the rating screen asks about
  let mark = 0;
  let reason = '';
  let sending = false;
  let thanking = false;
  let sendTimer = null;
  let pollTimer = null;
  // message is what went wrong, in both languages ({message, message_en});
  // fromPoll tells a lost connection, which the next good answer clears,
  // from a refused mark, which stays for a while.
  let message = null;
  let fromPoll = false;
  let messageTimer = null;

  const t = (k, vars) => (T[lang][k] || T.ru[k] || k).replace(/\{(\w+)\}/g, (_, v) => (vars ? vars[v] : ''));
  const text = (x) => (x ? (lang === 'ru' ? x.ru : x.en || x.ru) : '');
  const both = (k, vars) => ({ message: T.ru[k].replace('{status}', vars || ''), message_en: T.en[k].replace('{status}', vars || '') });
  const say = (m) => (m ? (lang === 'ru' ? m.message : m.message_en || m.message) : '');

  // api asks the window's rating endpoint; a failure throws its words in
  // both languages.
  async function api(method, body) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let r;
    try {
      r = await fetch('/api/v1/windows/' + encodeURIComponent(win) + '/rating', {
        method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw both('offline');
    }
    let json = null;
    try { json = await r.json(); } catch (_) { /* not JSON: said below */ }
    if (!r.ok || !json) throw json && json.error ? json.error : both('failed', String(r.status));
    return json;
  }

  function show(name) {
    for (const s of ['waiting', 'rate', 'thanks', 'failure']) $(s).hidden = s !== name;
    document.body.dataset.state = name;
  }

  function setMessage(m, poll) {
    clearTimeout(messageTimer);
    message = m;
    fromPoll = !!poll;
    if (m && !poll) messageTimer = setTimeout(() => setMessage(null), 10000);
    renderMessage();
  }

  function renderMessage() {
    // The failure screen says it in full already.
    $('message').hidden = !message || document.body.dataset.state === 'failure';
    $('message').textContent = say(message);
  }

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $('lang').textContent = t('other');
    $('windowName').textContent = t('window') + ' ' + win;
    renderMessage();
    if (document.body.dataset.state === 'failure') $('failureText').textContent = say(message);
    renderTicket();
  }

  function renderTicket() {
    if (!view || !ticket) return;
    $('number').textContent = view.number || '';
    $('service').textContent = text(view.service_name);
    const box = $('reasons');
    box.innerHTML = '';
    for (const r of view.reasons || []) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.reason = r.id;
      b.textContent = text(r.name);
      b.setAttribute('aria-pressed', String(r.id === reason));
      b.addEventListener('click', () => chooseReason(r.id));
      box.appendChild(b);
    }
    if (!(view.reasons || []).length) $('reasonsHint').textContent = t('noReasons');
    document.querySelectorAll('#marks button').forEach((b) => b.setAttribute('aria-pressed', String(Number(b.dataset.mark) === mark)));
  }

  // update shows what the API says the window offers, unless the visitor
  // is being thanked or their mark is on its way.
  function update(v) {
    view = v;
    if (thanking || sending) return;
    if (!v.ticket_id || v.rated) {
      toWaiting();
      return;
    }
    if (v.ticket_id !== ticket) {
      startRating();
      return;
    }
    renderTicket();
  }

  function toWaiting() {
    clearTimeout(sendTimer);
    ticket = '';
    mark = 0;
    reason = '';
    show('waiting');
  }

  // startRating asks the visitor just served, in Russian first.
  function startRating() {
    clearTimeout(sendTimer);
    ticket = view.ticket_id;
    mark = 0;
    reason = '';
    lang = 'ru';
    $('more').hidden = true;
    applyLang();
    show('rate');
  }

  function chooseMark(m) {
    mark = m;
    $('more').hidden = false;
    renderTicket();
    armSend();
  }

  function chooseReason(id) {
    reason = reason === id ? '' : id;
    renderTicket();
    armSend();
  }

  function armSend() {
    clearTimeout(sendTimer);
    if (mark) sendTimer = setTimeout(send, SEND_AFTER_MS);
  }

  function setBusy(busy) {
    document.querySelectorAll('#rate button').forEach((b) => { b.disabled = busy; });
  }

  async function send() {
    clearTimeout(sendTimer);
    if (!mark || sending) return;
    sending = true;
    setBusy(true);
    const body = { ticket_id: ticket, mark };
    if (reason) body.reason = reason;
    try {
      view = await api('POST', body);
      setMessage(null);
      thank();
    } catch (e) {
      // Refused (the window served the next visitor meanwhile, the time
      // to rate ran out) or lost: say so, and show what the window offers now.
      setMessage(e);
      if (e.code) {
        sending = false;
        ticket = '';
        poll();
      } else {
        armSend(); // lost on the way: the choice stays, and goes again
      }
    } finally {
      sending = false;
      setBusy(false);
    }
  }

  function thank() {
    thanking = true;
    show('thanks');
    setTimeout(() => {
      thanking = false;
      lang = 'ru';
      applyLang();
      toWaiting();
      poll();
    }, THANKS_MS);
  }

  async function poll() {
    clearTimeout(pollTimer);
    try {
      const v = await api('GET');
      if (fromPoll) setMessage(null);
      update(v);
    } catch (e) {
      if (!view) {
        // Never a blank page: nothing has been shown yet, so the words
        // are the page.
        show('failure');
        setMessage(e, true);
        $('failureText').textContent = say(e);
      } else {
        setMessage(e, true);
      }
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  document.querySelectorAll('#marks button').forEach((b) => b.addEventListener('click', () => chooseMark(Number(b.dataset.mark))));
  $('send').addEventListener('click', send);
  $('lang').addEventListener('click', () => {
    lang = lang === 'ru' ? 'en' : 'ru';
    applyLang();
    armSend();
  });

  applyLang();
  if (!/^[1-9][0-9]*$/.test(win)) {
    show('failure');
    setMessage(both('noWindow'), true);
    $('failureText').textContent = say(message);
    return;
  }
  poll();
})();
