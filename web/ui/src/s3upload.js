// Sends a file straight to S3 through the presigned URLs that POST /v1/{table}/upload-urls hands
// out: one PUT, or the parts of a multipart upload and the POST that completes it. Nothing here
// talks to the service or carries the API key: each URL's signature authorizes its request, and
// the bucket's CORS rule lets this page's origin send it and read each part's ETag.
import { ApiError } from './api.js';

// Parts in flight at once: one stream rarely fills an uplink to S3, and browsers open at most six
// connections to a host, so three leaves room without queueing behind each other.
const PARALLEL_PARTS = 3;

// Origins this page's Content-Security-Policy refused to connect to: a refused request only shows
// as a network error, and the policy is the server's to change, so the message names it.
const refusedOrigins = new Set();
document.addEventListener('securitypolicyviolation', (event) => {
  try {
    refusedOrigins.add(new URL(event.blockedURI).origin);
  } catch {
    // not a URL (inline, eval): not one of ours
  }
});

// S3 answers an error with <Error><Code>…</Code><Message>…</Message></Error>.
function s3Failure(status, text, what, url) {
  let code = '';
  let message = '';
  if (text) {
    const xml = new DOMParser().parseFromString(text, 'application/xml');
    code = xml.querySelector('Error > Code')?.textContent || '';
    message = xml.querySelector('Error > Message')?.textContent || '';
  }
  let detail = `S3 refused ${what}`;
  if (code) detail += ` (${code})`;
  if (message) detail += `: ${message}`;
  else if (text && !code) detail += `: ${text.slice(0, 200)}`;
  if (code === 'AccessDenied' && /expired/i.test(message)) {
    detail += '. The upload URLs expired before the file was sent: upload it again for new ones.';
  }
  if (status === 0) {
    const origin = new URL(url).origin;
    detail = refusedOrigins.has(origin)
      ? `this page's Content-Security-Policy does not allow connecting to ${origin} (connect-src): the server must allow its S3 endpoint`
      : `${what} did not reach S3 at ${origin} (network error, or the bucket's CORS rule does not allow this page's origin ${location.origin})`;
  }
  return new ApiError(status, detail, null);
}

// One request to a presigned URL; onSent(loaded) as the body goes out. Resolves with the XHR once
// S3 answered 2xx. No header but what the body implies: the URL signs only the host, and any
// header the CORS rule does not list would be refused at the preflight.
function send(method, url, body, what, { contentType, onSent } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    if (contentType) xhr.setRequestHeader('Content-Type', contentType);
    if (onSent) {
      xhr.upload.addEventListener('progress', (event) => onSent(event.loaded));
      xhr.upload.addEventListener('load', () => onSent(body.size));
    }
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr);
      else reject(s3Failure(xhr.status, xhr.responseText, what, url));
    });
    xhr.addEventListener('error', () => reject(s3Failure(0, '', what, url)));
    xhr.addEventListener('abort', () => reject(new ApiError(0, `${what} was cancelled`)));
    xhr.send(body);
  });
}

// `upload`: the "upload" member of the upload-urls answer. onProgress(sent, total) over the whole
// file's bytes, whichever way it goes; once more with sent === total at the end.
export async function uploadToS3(upload, file, onProgress) {
  if (upload.method === 'PUT') {
    // The File itself: the browser sends its type as Content-Type (text/csv), which S3 keeps.
    await send('PUT', upload.url, file, 'the upload', { onSent: (sent) => onProgress(Math.min(sent, file.size), file.size) });
    onProgress(file.size, file.size);
    return;
  }
  if (upload.method !== 'multipart') throw new ApiError(0, `unknown upload method ${upload.method}`);

  const sent = new Array(upload.parts.length).fill(0);
  const report = () => onProgress(Math.min(sent.reduce((sum, n) => sum + n, 0), file.size), file.size);
  const etags = new Array(upload.parts.length);
  let next = 0;
  let failed = null;
  // Each worker takes the next part until none is left or one failed (the others then stop taking).
  const worker = async () => {
    while (next < upload.parts.length && !failed) {
      const index = next++;
      const { part_number: number, url } = upload.parts[index];
      // A slice has no type, so no Content-Type goes with a part.
      const blob = file.slice((number - 1) * upload.part_size, number * upload.part_size);
      try {
        const xhr = await send('PUT', url, blob, `part ${number} of ${upload.parts.length}`, {
          onSent: (loaded) => {
            sent[index] = Math.min(loaded, blob.size);
            report();
          },
        });
        const etag = xhr.getResponseHeader('ETag');
        if (!etag) {
          throw new ApiError(0, `S3 took part ${number} but its ETag header is not readable: the bucket's CORS rule must expose ETag (ExposeHeaders)`);
        }
        etags[index] = { number, etag };
      } catch (error) {
        failed = failed || error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, upload.parts.length) }, worker));
  if (failed) throw failed;

  const xml =
    '<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    etags.map(({ number, etag }) => `<Part><PartNumber>${number}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`).join('') +
    '</CompleteMultipartUpload>';
  const done = await send(upload.complete.method || 'POST', upload.complete.url, xml, 'the completion of the multipart upload', {
    contentType: 'application/xml',
  });
  // CompleteMultipartUpload may fail after its 200 has started: the error is then in the body.
  if (/<Error>/.test(done.responseText)) throw s3Failure(done.status, done.responseText, 'the completion of the multipart upload', upload.complete.url);
  onProgress(file.size, file.size);
}

function escapeXml(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
