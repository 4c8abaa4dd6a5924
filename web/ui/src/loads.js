// The loads page: upload a CSV with a progress bar of the bytes sent, the load history, and one
// load's rejected rows as a paged table.
import { getJson, upload } from './api.js';
import { $, clear, element, formatBytes, formatNumber, setStatus, showError } from './dom.js';

const HISTORY_PAGE = 20;
const REJECTS_PAGE = 50;
const history = { cursors: [0], next: null };
const rejects = { load: null, cursors: [0], next: null };

function statusBadge(status) {
  return element('span', { className: `badge badge-${status}` }, status);
}

function counts(load) {
  return `${formatNumber(load.rows_received)} received, ${formatNumber(load.rows_inserted)} inserted, ${formatNumber(load.rows_updated ?? 0)} updated, ${formatNumber(load.rows_rejected)} rejected, ${formatNumber(load.rows_skipped)} skipped`;
}

// ------------------------------------------------------------------ upload

function setProgress(sent, total) {
  const bar = $('#upload-progress');
  bar.max = Math.max(total, 1);
  bar.value = Math.min(sent, total);
  const percent = total ? Math.floor((sent / total) * 100) : 0;
  bar.setAttribute('aria-valuetext', `${percent} % (${formatBytes(sent)} of ${formatBytes(total)} sent)`);
  bar.dataset.percent = String(percent);
  $('#upload-progress-text').textContent = `${percent} % — ${formatBytes(sent)} of ${formatBytes(total)} sent`;
}

async function submitUpload(event) {
  event.preventDefault();
  const file = $('#upload-file').files[0];
  const result = $('#upload-result');
  if (!file) {
    showError(result, 'Upload', new Error('choose a CSV file first'));
    $('#upload-file').focus();
    return;
  }
  const table = $('#upload-table').value;
  const button = $('#upload-button');
  button.disabled = true;
  const form = $('#upload-form');
  form.setAttribute('aria-busy', 'true');
  form.dataset.state = 'uploading';
  setProgress(0, file.size);
  setStatus(result, `Uploading ${file.name} (${formatBytes(file.size)}) to ${table}…`);
  try {
    const { load } = await upload(table, file, $('#upload-conflict').value, setProgress);
    clear(result);
    result.append(
      element('p', {}, element('strong', {}, `Load ${load.load_id}`), ` — ${file.name} into ${load.table}: `, statusBadge(load.status)),
      element('p', { className: 'counts' }, `${counts(load)}; ${formatNumber(load.duration_ms ?? 0)} ms.`),
    );
    if (load.error) result.append(element('p', { className: 'error' }, load.error));
    if (load.rows_rejected > 0) {
      result.append(element('p', {}, element('a', { href: `#/loads/${load.load_id}` }, `Show the ${formatNumber(load.rows_rejected)} rejected rows`)));
    }
    result.dataset.loadId = String(load.load_id);
    form.dataset.state = 'done';
    await refreshHistory(true);
  } catch (error) {
    showError(result, `Upload of ${file.name} failed`, error);
    form.dataset.state = 'error';
  } finally {
    button.disabled = false;
    form.removeAttribute('aria-busy');
  }
}

// ------------------------------------------------------------------ history

async function refreshHistory(first = false) {
  if (first) history.cursors = [0];
  const after = history.cursors[history.cursors.length - 1];
  const body = $('#history-table tbody');
  try {
    const page = await getJson(`/v1/loads?limit=${HISTORY_PAGE}${after ? `&after=${after}` : ''}`);
    history.next = page.next;
    clear(body);
    if (!page.items.length) body.append(element('tr', {}, element('td', { colSpan: 11 }, 'No loads yet.')));
    for (const load of page.items) {
      const show =
        load.rows_rejected > 0
          ? element('a', { href: `#/loads/${load.load_id}`, 'aria-label': `Rejected rows of load ${load.load_id}` }, 'Rejects')
          : '';
      body.append(
        element(
          'tr',
          { dataset: { loadId: String(load.load_id) } },
          element('th', { scope: 'row', className: 'num' }, String(load.load_id)),
          element('td', {}, load.table),
          element('td', { className: 'source' }, load.source || ''),
          element('td', {}, statusBadge(load.status)),
          element(
            'td',
            { className: 'nowrap', title: load.started_at || '' },
            (load.started_at || '').replace('T', ' ').replace(/(\.\d+)?Z$/, ''),
          ),
          element('td', { className: 'num' }, formatNumber(load.rows_received)),
          element('td', { className: 'num' }, formatNumber(load.rows_inserted)),
          element('td', { className: 'num' }, formatNumber(load.rows_updated ?? 0)),
          element('td', { className: 'num' }, formatNumber(load.rows_rejected)),
          element('td', { className: 'num' }, formatNumber(load.rows_skipped)),
          element('td', {}, show),
        ),
      );
    }
    $('#history-newer').disabled = history.cursors.length <= 1;
    $('#history-older').disabled = page.next === null || page.next === undefined;
  } catch (error) {
    clear(body);
    const cell = element('td', { colSpan: 11, className: 'error' });
    showError(cell, 'Could not read the load history', error);
    body.append(element('tr', {}, cell));
  }
}

// ------------------------------------------------------------------ rejects

async function showRejects(loadId, cursorIndex = 0) {
  const card = $('#rejects-card');
  card.hidden = false;
  if (rejects.load !== loadId) {
    rejects.load = loadId;
    rejects.cursors = [0];
  }
  rejects.cursors.length = cursorIndex + 1;
  const after = rejects.cursors[cursorIndex];
  const summary = $('#rejects-summary');
  const body = $('#rejects-table tbody');
  card.dataset.state = 'loading';
  try {
    const [load, page] = await Promise.all([
      getJson(`/v1/loads/${loadId}`),
      getJson(`/v1/loads/${loadId}/rejects?limit=${REJECTS_PAGE}${after ? `&after=${after}` : ''}`),
    ]);
    if (rejects.load !== loadId) return;
    rejects.next = page.next;
    $('#rejects-title').textContent = `Rejected rows of load ${loadId}`;
    setStatus(summary, `Load ${loadId} into ${load.table} (${load.source || 'no source'}): ${counts(load)}.`);
    const byIndex = page.items.length && page.items[0].line === undefined;
    $('#rejects-position').textContent = byIndex ? 'Index' : 'Line';
    clear(body);
    if (!page.items.length) body.append(element('tr', {}, element('td', { colSpan: 4 }, 'This load has no rejected rows.')));
    for (const reject of page.items) {
      const errors = reject.errors || [];
      body.append(
        element(
          'tr',
          {},
          element('th', { scope: 'row', className: 'num' }, String(reject.line ?? reject.index)),
          element('td', { className: 'field' }, ...errors.map((e) => element('div', {}, e.field || '—'))),
          element('td', { className: 'message' }, ...errors.map((e) => element('div', { title: e.code || '' }, e.message))),
          element('td', {}, element('code', { className: 'raw' }, reject.raw)),
        ),
      );
    }
    const first = cursorIndex * REJECTS_PAGE + 1;
    $('#rejects-page').textContent = page.items.length
      ? `Rows ${formatNumber(first)}–${formatNumber(first + page.items.length - 1)} of ${formatNumber(load.rows_rejected)}`
      : '';
    $('#rejects-previous').disabled = cursorIndex === 0;
    $('#rejects-next').disabled = page.next === null || page.next === undefined;
    card.dataset.state = 'ready';
  } catch (error) {
    clear(body);
    showError(summary, `Could not read the rejects of load ${loadId}`, error);
    card.dataset.state = 'error';
  }
}

export function initLoads() {
  $('#upload-form').addEventListener('submit', submitUpload);
  $('#history-refresh').addEventListener('click', () => refreshHistory(true));
  $('#history-older').addEventListener('click', () => {
    history.cursors.push(history.next);
    refreshHistory();
  });
  $('#history-newer').addEventListener('click', () => {
    history.cursors.pop();
    refreshHistory();
  });
  $('#rejects-next').addEventListener('click', () => {
    rejects.cursors.push(rejects.next);
    showRejects(rejects.load, rejects.cursors.length - 1);
  });
  $('#rejects-previous').addEventListener('click', () => showRejects(rejects.load, rejects.cursors.length - 2));
}

// `loadId`: the load whose rejects to show (route #/loads/{id}), or null.
export async function showLoads(loadId) {
  await refreshHistory(true);
  if (loadId) {
    await showRejects(loadId);
    $('#rejects-title').focus();
  } else {
    $('#rejects-card').hidden = true;
    rejects.load = null;
  }
}
