// The reports page is server-rendered and its period picker a plain GET
// form; this script only signs in and out, which the JSON API does.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const lang = document.documentElement.lang === 'en' ? 'en' : 'ru';
  // The dashboard keeps its language here: follow the choice made on this page.
  try { localStorage.setItem('eq.lang', lang); } catch (e) { /* storage off: nothing to keep */ }

  const login = $('login');
  if (login) {
    login.addEventListener('submit', async (e) => {
      e.preventDefault();
      $('loginBtn').disabled = true;
      try {
        const r = await fetch('/api/v1/login', {
          method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ login: $('loginName').value, password: $('loginPass').value }),
        });
        if (r.ok) { location.reload(); return; }
        const body = await r.json().catch(() => ({}));
        $('loginError').textContent = body.error ? (lang === 'en' ? body.error.message_en : body.error.message) : r.statusText;
      } catch (err) {
        $('loginError').textContent = lang === 'en' ? 'No connection to the server' : 'Нет связи с сервером';
      } finally {
        $('loginBtn').disabled = false;
      }
    });
  }

  const logout = $('logout');
  if (logout) {
    logout.addEventListener('click', async () => {
      await fetch('/api/v1/logout', { method: 'POST', credentials: 'same-origin' }).catch(() => null);
      location.reload();
    });
  }
})();
