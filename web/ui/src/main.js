// The /ui app: two pages behind hash routes (#/reports, the default; #/loads; #/loads/{id} shows
// one load's rejects), and the API key dialog.
import { onKeyNeeded, storedKey, storeKey } from './api.js';
import { $ } from './dom.js';
import { initLoads, showLoads } from './loads.js';
import { initReports, showReports } from './reports.js';

// ------------------------------------------------------------------ API key

const dialog = $('#key-dialog');
let pending = null; // the promise of the dialog already open, shared by concurrent 401s

function openKeyDialog(reason) {
  if (pending) return pending;
  pending = new Promise((resolve) => {
    $('#key-reason').textContent = reason || 'Enter the API key for this server.';
    $('#key-input').value = storedKey();
    const opener = document.activeElement;
    const finish = (entered) => {
      dialog.close();
      pending = null;
      if (opener && opener.focus) opener.focus();
      resolve(entered);
    };
    $('#key-form').onsubmit = (event) => {
      event.preventDefault();
      const key = $('#key-input').value.trim();
      if (!key) return;
      storeKey(key);
      finish(true);
    };
    $('#key-cancel').onclick = () => finish(false);
    $('#key-forget').onclick = () => {
      storeKey('');
      $('#key-input').value = '';
      $('#key-input').focus();
    };
    dialog.oncancel = (event) => {
      event.preventDefault();
      finish(false);
    };
    dialog.showModal();
    $('#key-input').focus();
  });
  return pending;
}

onKeyNeeded((detail) => openKeyDialog(`The server refused the request: ${detail}. Enter a valid API key.`));
$('#key-button').addEventListener('click', async () => {
  if (await openKeyDialog('Enter the API key for this server (it replaces the one in use).')) route();
});

// ------------------------------------------------------------------ pages

function route() {
  const hash = location.hash || '#/reports';
  const match = /^#\/loads(?:\/(\d+))?$/.exec(hash);
  const page = match ? 'loads' : 'reports';
  for (const section of document.querySelectorAll('.page')) section.hidden = section.id !== `page-${page}`;
  for (const link of document.querySelectorAll('nav a[data-page]')) {
    if (link.dataset.page === page) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${page === 'loads' ? 'Loads' : 'Reports'} — migration-api`;
  document.body.dataset.page = page;
  if (page === 'loads') showLoads(match[1] ? Number(match[1]) : null);
  else showReports();
  // Move focus to the new page's heading (not on first load, where the page starts at the top).
  if (routed && !(match && match[1])) $(`#${page}-title`).focus();
  routed = true;
}

let routed = false;
initReports();
initLoads();
window.addEventListener('hashchange', route);
route();
