// Calls to the service's own /v1 API, with the API key the operator typed (session storage, sent
// as X-API-Key). A 401 opens the key dialog and, once a key is given, repeats the request.

const KEY_STORAGE = 'migration-api.key';

export function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function storeKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage refused (privacy mode): the key lives until the page closes only.
  }
}

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// Set by main.js: shows the key dialog, resolves true when a key was entered, false on cancel.
let askForKey = async () => false;
export function onKeyNeeded(handler) {
  askForKey = handler;
}

function headers(extra = {}) {
  const key = storedKey();
  return key ? { ...extra, 'X-API-Key': key } : extra;
}

async function problemDetail(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    return { detail: body.detail || body.title || text, body };
  } catch {
    return { detail: text || response.statusText, body: null };
  }
}

// fetch() with the key; on 401 asks for a key and tries again. Returns the Response (ok only).
export async function request(path, { accept = 'application/json', ...init } = {}) {
  for (;;) {
    const response = await fetch(path, { ...init, headers: headers({ Accept: accept, ...(init.headers || {}) }) });
    if (response.ok) return response;
    const { detail, body } = await problemDetail(response);
    if (response.status === 401 && (await askForKey(detail))) continue;
    throw new ApiError(response.status, detail, body);
  }
}

export async function getJson(path) {
  return (await request(path)).json();
}

// Downloads `path` (sent with the key, so not a plain link) as a file named `filename`.
export async function download(path, filename, accept) {
  const blob = await (await request(path, { accept })).blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// POST /v1/{table}/upload as multipart/form-data through XMLHttpRequest, whose upload events
// report the bytes sent (fetch has no upload progress). onProgress(sent, total) runs as the body
// goes out and once more with sent === total when all of it is sent. Resolves with the load
// response body (201, 200 and 422 all carry the load's counts); rejects with ApiError otherwise.
export function upload(table, file, onConflict, onProgress) {
  const attempt = () =>
    new Promise((resolve, reject) => {
      const form = new FormData();
      form.append('file', file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/v1/${encodeURIComponent(table)}/upload?on_conflict=${encodeURIComponent(onConflict)}`);
      for (const [name, value] of Object.entries(headers({ Accept: 'application/json' }))) {
        xhr.setRequestHeader(name, value);
      }
      xhr.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) onProgress(event.loaded, event.total);
      });
      xhr.upload.addEventListener('load', (event) => {
        const total = event.lengthComputable && event.total ? event.total : file.size;
        onProgress(total, total);
      });
      xhr.addEventListener('load', () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        resolve({ status: xhr.status, body, text: xhr.responseText });
      });
      xhr.addEventListener('error', () => reject(new ApiError(0, 'the upload did not reach the server (network error)')));
      xhr.addEventListener('abort', () => reject(new ApiError(0, 'the upload was cancelled')));
      xhr.send(form);
    });

  return (async () => {
    for (;;) {
      const { status, body, text } = await attempt();
      if (status === 401 && (await askForKey(body?.detail || text))) continue;
      if (body && body.load_id !== undefined) return { status, load: body };
      throw new ApiError(status, body?.detail || text || `HTTP ${status}`, body);
    }
  })();
}

async function postJson(path, body) {
  const init = { method: 'POST' };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  return (await request(path, init)).json();
}

// GET /v1/direct-uploads: whether this server hands out presigned S3 URLs (an S3 store) and their
// part size and largest file. Asked before each upload, so the page never sends a request it knows
// fails (a folder store answers upload-urls with 400).
export function directUploadSettings() {
  return getJson('/v1/direct-uploads');
}

// POST /v1/{table}/upload-urls: a pending import and the presigned URLs to send the file to.
export function createUploadUrls(table, bytes, onConflict) {
  return postJson(`/v1/${encodeURIComponent(table)}/upload-urls`, { bytes, on_conflict: onConflict });
}

// POST start_url once the object is in the bucket: the import is queued (202, the import's JSON).
export function startImport(startUrl) {
  return postJson(startUrl);
}

export function getImport(importId) {
  return getJson(`/v1/imports/${importId}`);
}

// DELETE /v1/imports/{id}: a pending import whose upload failed is cancelled, so none lingers.
export async function cancelImport(importId) {
  return (await request(`/v1/imports/${importId}`, { method: 'DELETE' })).json();
}
