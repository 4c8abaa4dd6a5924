// The loads page: upload a CSV with a progress bar of the bytes sent, the load history, and one
// load's rejected rows as a paged table. With an S3 store the file goes straight to the bucket
// through presigned URLs and the server imports it from there (a second bar follows the import);
// otherwise it goes through POST /v1/{table}/upload, which loads it as it arrives.
import { cancelImport, createUploadUrls, directUploadSettings, getImport, getJson, startImport, upload } from './api.js';
import { $, clear, element, formatBytes, formatNumber, setStatus, showError } from './dom.js';
import { uploadToS3 } from './s3upload.js';

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

// The import's progress (direct uploads only): bytes of the object read, rows so far.
function setImportProgress(importJson) {
  const row = $('#import-progress-row');
  row.hidden = false;
  const bar = $('#import-progress');
  const total = importJson.bytes_total || 0;
  const read = Math.min(importJson.bytes_read || 0, total);
  bar.max = Math.max(total, 1);
  bar.value = read;
  const percent = total ? Math.floor((read / total) * 100) : 0;
  bar.dataset.percent = String(percent);
  const text = `${percent} % — ${formatBytes(read)} of ${formatBytes(total)} read, ${formatNumber(importJson.rows_received || 0)} rows (${importJson.status})`;
  bar.setAttribute('aria-valuetext', text);
  $('#import-progress-text').textContent = text;
}

// The upload's answer carries duration_ms; GET /v1/loads/{id} (a direct upload's load) only its
// start and end.
function durationMs(load) {
  if (load.duration_ms !== undefined) return load.duration_ms;
  const ms = Date.parse(load.finished_at) - Date.parse(load.started_at);
  return Number.isFinite(ms) ? Math.max(ms, 0) : 0;
}

function showLoad(result, load, fileName) {
  result.append(
    element('p', {}, element('strong', {}, `Load ${load.load_id}`), ` — ${fileName} into ${load.table}: `, statusBadge(load.status)),
    element('p', { className: 'counts' }, `${counts(load)}; ${formatNumber(durationMs(load))} ms.`),
  );
  if (load.error) result.append(element('p', { className: 'error' }, load.error));
  if (load.rows_rejected > 0) {
    result.append(element('p', {}, element('a', { href: `#/loads/${load.load_id}` }, `Show the ${formatNumber(load.rows_rejected)} rejected rows`)));
  }
  result.dataset.loadId = String(load.load_id);
}

const POLL_MS = 500;
// Polling stops when the import has not changed for this long (queued behind other imports, or
// its replica gone): the page says so and the load history shows it once it ends.
const POLL_IDLE_MS = 5 * 60 * 1000;
const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

async function followImport(importJson) {
  let last = '';
  let changedAt = Date.now();
  for (;;) {
    setImportProgress(importJson);
    if (FINAL.has(importJson.status)) return importJson;
    const seen = `${importJson.status} ${importJson.bytes_read} ${importJson.rows_received}`;
    if (seen !== last) {
      last = seen;
      changedAt = Date.now();
    } else if (Date.now() - changedAt > POLL_IDLE_MS) {
      throw new Error(
        `import ${importJson.import_id} is still ${importJson.status} and has not moved for ${POLL_IDLE_MS / 60000} minutes; ` +
          'the load history shows it once it ends',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    importJson = await getImport(importJson.import_id);
  }
}

// Straight to S3: presigned URLs, the bytes to the bucket, then the import started and followed.
// Returns the ended import and its load (null when the import failed before loading).
async function uploadDirect(table, file, onConflict, settings, result) {
  if (file.size === 0) throw new Error(`${file.name} is empty`);
  if (settings.max_bytes && file.size > settings.max_bytes) {
    throw new Error(`${file.name} is ${formatBytes(file.size)}; direct uploads take at most ${formatBytes(settings.max_bytes)}`);
  }
  const plan = await createUploadUrls(table, file.size, onConflict);
  const importId = plan.import.import_id;
  result.dataset.importId = String(importId);
  const parts = plan.upload.method === 'multipart' ? ` in ${plan.upload.parts.length} parts` : '';
  setStatus(result, `Uploading ${file.name} (${formatBytes(file.size)}) to S3${parts} for import ${importId}…`);
  try {
    await uploadToS3(plan.upload, file, setProgress);
  } catch (error) {
    // The pending import would never start: cancel it (best effort; the upload's error is the news).
    await cancelImport(importId).catch(() => {});
    throw error;
  }
  setStatus(result, `Uploaded to ${plan.location}; importing into ${table}…`);
  const ended = await followImport(await startImport(plan.start_url));
  const loadId = ended.steps?.[0]?.load_id;
  const load = loadId ? await getJson(`/v1/loads/${loadId}`) : null;
  return { importJson: ended, load, location: plan.location };
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
  const onConflict = $('#upload-conflict').value;
  const button = $('#upload-button');
  button.disabled = true;
  const form = $('#upload-form');
  form.setAttribute('aria-busy', 'true');
  form.dataset.state = 'uploading';
  delete result.dataset.loadId;
  delete result.dataset.importId;
  $('#import-progress-row').hidden = true;
  setProgress(0, file.size);
  setStatus(result, `Uploading ${file.name} (${formatBytes(file.size)}) to ${table}…`);
  try {
    const settings = await directUploadSettings();
    form.dataset.path = settings.enabled ? 'direct' : 'server';
    if (settings.enabled) {
      const { importJson, load, location } = await uploadDirect(table, file, onConflict, settings, result);
      clear(result);
      if (load) showLoad(result, load, file.name);
      result.append(element('p', { className: 'hint' }, `Sent straight to S3 (${location}), imported as import ${importJson.import_id}.`));
      if (importJson.status !== 'succeeded') {
        result.append(element('p', { className: 'error' }, `Import ${importJson.import_id} ${importJson.status}${importJson.error ? `: ${importJson.error}` : '.'}`));
      }
      form.dataset.state = importJson.status === 'succeeded' ? 'done' : 'error';
    } else {
      const { load } = await upload(table, file, onConflict, setProgress);
      clear(result);
      showLoad(result, load, file.name);
      form.dataset.state = 'done';
    }
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
