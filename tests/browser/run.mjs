// Browser tests of the /ui app (ctest `browser`, tests/CMakeLists.txt): Debian's chromium driven
// by playwright-core against the built binary on SQLite, with a folder store and with an S3 store
// (the endpoint scripts/test-servers.sh starts: moto, signatures checked; TEST_S3_* variables).
//
//   node tests/browser/run.mjs --binary build/release/src/migration-api \
//        --node-modules build/release/tests/browser/node_modules --artifacts build/release/tests/browser-artifacts \
//        --data build/release/tests/challenge-fixtures
//
// --data is the folder of the three challenge-shaped files that the build generates
// (tests/support/challenge_fixtures.py). Nothing is skipped: no chromium, no server or a missing
// file fails the run, and so do missing TEST_S3_* variables. Screenshots of each page go to
// --artifacts.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at === -1) {
    if (fallback === undefined) throw new Error(`run.mjs: ${name} is required`);
    return fallback;
  }
  return path.resolve(process.argv[at + 1]);
}

const binary = option('--binary');
const nodeModules = option('--node-modules', path.join(here, 'node_modules'));
const artifacts = option('--artifacts', path.join(os.tmpdir(), 'migration-browser-artifacts'));
const dataDir = option('--data');
const CHROMIUM = '/usr/bin/chromium';
const TABLES = ['departments', 'jobs', 'hired_employees'];
const API_KEY = 'browser-test-key-7f3a9c'; // for the second server only; its SHA-256 goes to API_KEYS
const S3_PART_MIB = 8; // the smallest part size the service takes: a 9 MiB file goes in two parts

// The S3 endpoint of scripts/test-servers.sh, for the third server (direct uploads).
const s3 = {
  endpoint: process.env.TEST_S3_ENDPOINT_URL,
  bucket: process.env.TEST_S3_BUCKET,
  region: process.env.TEST_S3_REGION,
  keyId: process.env.TEST_S3_ACCESS_KEY_ID,
  secret: process.env.TEST_S3_SECRET_ACCESS_KEY,
  prefix: `browser-${process.pid}-${Date.now()}`, // this run's objects only
};

const { chromium } = createRequire(path.join(nodeModules, 'noop.js'))('playwright-core');

// ------------------------------------------------------------------ servers

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// `storage`: the store's options (a folder in the server's temporary folder unless given).
async function startServer(name, { env = {}, storage = null } = {}) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `migration-browser-${name}-`));
  const port = await freePort();
  const log = [];
  const child = spawn(
    binary,
    ['serve', '--port', String(port), '--bind', '127.0.0.1', '--database-url', `sqlite://${dir}/test.db`,
      ...(storage || ['--storage-url', `file://${dir}/objects`]), '--log-format', 'json', '--log-level', 'warn'],
    { env: { ...process.env, ENVIRONMENT: 'development', API_KEYS: '', API_KEYS_FILE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.on('data', (chunk) => log.push(chunk));
  child.stderr.on('data', (chunk) => log.push(chunk));
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited) throw new Error(`${name} server exited (${JSON.stringify(exited)}) before answering:\n${Buffer.concat(log)}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} server did not answer /healthz within 15 s:\n${Buffer.concat(log)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    log: () => Buffer.concat(log).toString(),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ pages

let browser;
let open;
let secured;
let direct; // on S3

// A page that records every console error, page error, failed request and HTTP error response;
// `allowStatus` lists statuses expected in a test (the key prompt's 401). `requests`: every
// request the page made (method, URL, headers), to tell which upload path it took.
async function newPage(viewport, { allowStatus = [] } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(10000); // a missing element fails in 10 s, not 30: the run stays short
  const problems = [];
  const requests = [];
  page.on('request', (request) => requests.push({ method: request.method(), url: request.url(), headers: request.headers() }));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Chromium logs every HTTP error response as a console error; expected statuses are fine.
    if (allowStatus.some((status) => text.includes(`status of ${status}`))) return;
    problems.push(`console error: ${text}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !allowStatus.includes(response.status())) {
      problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    }
  });
  return {
    page,
    problems,
    requests,
    async close() {
      await context.close();
      assert.deepEqual(problems, [], `the page had errors:\n${problems.join('\n')}`);
    },
  };
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

async function api(server, pathname, headers = {}) {
  const response = await fetch(`${server.base}${pathname}`, { headers });
  assert.equal(response.status, 200, `${pathname}: ${await response.clone().text()}`);
  return (response.headers.get('content-type') || '').includes('json') ? response.json() : response.text();
}

async function noHorizontalOverflow(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: the page is ${scrollWidth} px wide in a ${clientWidth} px viewport`);
}

function records(text) {
  return text.split(/\r?\n/).filter((line) => line.length > 0).length;
}

// The aws CLI against the test endpoint, with the test's key and nothing from the machine's own
// configuration; parsed JSON output.
async function awsS3(...args) {
  const { stdout } = await promisify(execFile)('aws', ['--endpoint-url', s3.endpoint, '--output', 'json', 's3api', ...args], {
    env: {
      ...process.env,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
      AWS_ACCESS_KEY_ID: s3.keyId,
      AWS_SECRET_ACCESS_KEY: s3.secret,
      AWS_DEFAULT_REGION: s3.region,
    },
  });
  return stdout.trim() ? JSON.parse(stdout) : null;
}

// Records every value each progress bar's data-percent takes, in order, into window.progressSeen
// (the upload) and window.importSeen (the import of a direct upload).
async function watchProgress(page) {
  await page.evaluate(() => {
    for (const [id, name] of [['#upload-progress', 'progressSeen'], ['#import-progress', 'importSeen']]) {
      window[name] = [];
      const bar = document.querySelector(id);
      new MutationObserver(() => window[name].push(Number(bar.dataset.percent))).observe(bar, {
        attributes: true,
        attributeFilter: ['data-percent'],
      });
    }
  });
}

// Chooses `file` for `table`, uploads it and waits until the page says it is done; fails with the
// page's own message when it shows an error.
async function uploadThroughPage(page, table, file, timeout = 20000) {
  await page.evaluate(() => {
    window.progressSeen.length = 0;
    window.importSeen.length = 0;
  });
  await page.getByLabel('Table', { exact: true }).selectOption(table);
  await page.getByLabel('CSV file', { exact: true }).setInputFiles(file);
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.locator('#upload-form[data-state="done"], #upload-form[data-state="error"]').waitFor({ timeout });
  const state = await page.locator('#upload-form').getAttribute('data-state');
  assert.equal(state, 'done', `${table}: ${await page.locator('#upload-result').textContent()}`);
}

// The upload bar went only up, to 100 %, and says so.
async function assertProgressComplete(page, what) {
  const seen = await page.evaluate(() => window.progressSeen);
  assert.equal(seen.at(-1), 100, `${what}: progress went ${seen.join(' → ')}`);
  assert.ok(seen.every((value, i) => i === 0 || value >= seen[i - 1]), `${what}: progress went back: ${seen.join(' → ')}`);
  const bar = await page.locator('#upload-progress').evaluate((el) => ({ value: el.value, max: el.max }));
  assert.equal(bar.value, bar.max);
  assert.match(await page.locator('#upload-progress-text').textContent(), /^100 %/);
}

// The result line shows the load's counts as the API has them.
async function assertCountsShown(page, load, what) {
  const summary = await page.locator('#upload-result').textContent();
  for (const [count, label] of [
    [load.rows_received, 'received'],
    [load.rows_inserted, 'inserted'],
    [load.rows_rejected, 'rejected'],
    [load.rows_skipped, 'skipped'],
  ]) {
    assert.ok(summary.includes(`${count.toLocaleString('en-US')} ${label}`), `${what}: "${summary}" lacks ${count} ${label}`);
  }
  assert.ok(summary.includes(load.status), summary);
  return summary;
}

// ------------------------------------------------------------------ setup

before(async () => {
  assert.ok(existsSync(binary), `no binary at ${binary}`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: scripts/install-deps.sh installs Debian's chromium`);
  for (const table of TABLES) {
    assert.ok(existsSync(path.join(dataDir, `${table}.csv`)), `fixture missing: ${dataDir}/${table}.csv (built by the challenge_fixtures target)`);
  }
  const missing = Object.entries({
    TEST_S3_ENDPOINT_URL: s3.endpoint,
    TEST_S3_BUCKET: s3.bucket,
    TEST_S3_REGION: s3.region,
    TEST_S3_ACCESS_KEY_ID: s3.keyId,
    TEST_S3_SECRET_ACCESS_KEY: s3.secret,
  }).filter(([, value]) => !value);
  assert.deepEqual(
    missing.map(([name]) => name),
    [],
    'the direct upload test needs the S3 endpoint: run it through scripts/test-servers.sh (make test does), ' +
      'which starts moto and exports TEST_S3_*',
  );
  await promisify(execFile)('aws', ['--version']).catch((error) => {
    assert.fail(`the aws CLI does not run (${error.message}): scripts/install-deps.sh installs it`);
  });
  await mkdir(artifacts, { recursive: true });
  const digest = createHash('sha256').update(API_KEY).digest('hex');
  [open, secured, direct] = await Promise.all([
    startServer('open'),
    startServer('secured', { env: { API_KEYS: `browser-test:${digest}` } }),
    startServer('s3', {
      storage: ['--storage-url', `s3://${s3.bucket}/${s3.prefix}`, '--s3-endpoint-url', s3.endpoint,
        '--s3-part-size-mib', String(S3_PART_MIB)],
      env: { AWS_ACCESS_KEY_ID: s3.keyId, AWS_SECRET_ACCESS_KEY: s3.secret, AWS_SESSION_TOKEN: '', AWS_REGION: s3.region,
        AWS_DEFAULT_REGION: s3.region },
    }),
  ]);
  // The bucket's CORS rule, as the deployments set it (infrastructure/cloudformation/api-stack.yaml,
  // infrastructure/terraform/storage.tf) with this server's origin: it alone lets the page send the
  // presigned requests and read each part's ETag.
  await awsS3('put-bucket-cors', '--bucket', s3.bucket, '--cors-configuration', JSON.stringify({
    CORSRules: [{
      ID: 'browser-direct-uploads',
      AllowedMethods: ['PUT', 'POST'],
      AllowedOrigins: [direct.base],
      AllowedHeaders: ['Content-Type', 'Content-MD5'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: 3600,
    }],
  }));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await Promise.all([open?.stop(), secured?.stop(), direct?.stop()]);
});

// ------------------------------------------------------------------ tests

const loadIds = {};

test('the upload page loads the three sample files, the progress bar reaches 100 %', async () => {
  const { page, close, requests } = await newPage({ width: 1280, height: 800 });
  await page.goto(`${open.base}/ui/#/loads`);
  await page.getByRole('heading', { level: 1, name: 'Loads' }).waitFor();
  await watchProgress(page);

  for (const table of TABLES) {
    const file = path.join(dataDir, `${table}.csv`);
    const first = requests.length;
    await uploadThroughPage(page, table, file);
    await assertProgressComplete(page, table);
    // A folder store: the file goes through the service, as multipart/form-data.
    assert.equal(await page.locator('#upload-form').getAttribute('data-path'), 'server');
    const sent = requests.slice(first).map((request) => `${request.method} ${new URL(request.url).pathname}`);
    assert.ok(sent.includes('GET /v1/direct-uploads'), sent.join('\n'));
    assert.ok(sent.includes(`POST /v1/${table}/upload`), sent.join('\n'));
    assert.ok(!sent.some((line) => line.includes('upload-urls')), sent.join('\n'));
    assert.ok(await page.locator('#import-progress-row').isHidden());

    const loadId = Number(await page.locator('#upload-result').getAttribute('data-load-id'));
    loadIds[table] = loadId;
    const load = await api(open, `/v1/loads/${loadId}`);
    assert.equal(load.table, table);
    assert.equal(load.rows_received, records(await readFile(file, 'utf8')), `${table}: every record of the file arrived`);
    await assertCountsShown(page, load, table);
    // The history lists the new load first, with the same counts.
    const row = page.locator(`#history-table tbody tr[data-load-id="${loadId}"]`);
    await row.waitFor();
    const cells = await row.locator('th, td').allTextContents();
    assert.deepEqual(cells.slice(0, 2), [String(loadId), table]);
    assert.equal(cells[3], load.status);
    assert.deepEqual(cells.slice(5, 10).map((text) => Number(text.replace(/,/g, ''))), [
      load.rows_received, load.rows_inserted, load.rows_updated, load.rows_rejected, load.rows_skipped,
    ]);
  }
  const hires = await api(open, `/v1/loads/${loadIds.hired_employees}`);
  assert.ok(hires.rows_rejected > 50, `the fixture's hires have two pages of rejects, got ${hires.rows_rejected}`);
  await screenshot(page, 'loads-1280x800');
  await close();
});

// A hires file of at least `bytes`, every row valid: ids above the fixture's, the given
// departments and jobs. Returns its text and row count.
function bigHires(bytes, departments, jobs) {
  const lines = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const month = String(1 + (i % 12)).padStart(2, '0');
    const line = `${1000000 + i},Direct Hire ${i},2021-${month}-15T09:30:00Z,${departments[i % departments.length]},${jobs[i % jobs.length]}\n`;
    lines.push(line);
    size += Buffer.byteLength(line);
  }
  return { text: lines.join(''), rows: lines.length };
}

test('with an S3 store the page sends the file straight to the bucket (one PUT, or parts), then follows the import', async () => {
  const settings = await api(direct, '/v1/direct-uploads');
  assert.equal(settings.enabled, true, JSON.stringify(settings));
  assert.equal(settings.part_size, S3_PART_MIB << 20);
  // The bucket's CORS rule decides: a preflight from the page's origin passes, another's does not.
  const preflight = async (origin) =>
    (await fetch(`${s3.endpoint}/${s3.bucket}/${s3.prefix}/cors-check.csv`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' },
    })).status;
  assert.equal(await preflight(direct.base), 200);
  assert.equal(await preflight('http://127.0.0.1:9'), 403);

  const scratch = await mkdtemp(path.join(os.tmpdir(), 'migration-browser-files-'));
  const { page, close, requests } = await newPage({ width: 1280, height: 800 });
  try {
    await page.goto(`${direct.base}/ui/#/loads`);
    await page.getByRole('heading', { level: 1, name: 'Loads' }).waitFor();
    await watchProgress(page);

    const objects = [];
    // The three files, each in one PUT; then a file of hires big enough for a multipart upload,
    // made once the departments and jobs are in.
    const uploads = TABLES.map((table) => async () => ({ table, file: path.join(dataDir, `${table}.csv`), parts: 0 }));
    uploads.push(async () => {
      const departments = (await api(direct, '/v1/departments?limit=50')).items.map((row) => row.id);
      const jobs = (await api(direct, '/v1/jobs?limit=50')).items.map((row) => row.id);
      const big = bigHires((S3_PART_MIB + 1) << 20, departments, jobs);
      const file = path.join(scratch, 'hired_employees.csv');
      await writeFile(file, big.text);
      return { table: 'hired_employees', file, parts: 2, rows: big.rows };
    });
    for (const next of uploads) {
      const { table, file, parts, rows } = await next();
      const what = `${table} (${parts ? `${parts} parts` : 'one PUT'})`;
      const bytes = (await readFile(file)).length;
      const first = requests.length;
      await uploadThroughPage(page, table, file, 45000);
      await assertProgressComplete(page, what);
      assert.equal(await page.locator('#upload-form').getAttribute('data-path'), 'direct');

      // The import's bar: shown, up to 100 % (every byte of the object read).
      assert.ok(await page.locator('#import-progress-row').isVisible());
      const importSeen = await page.evaluate(() => window.importSeen);
      assert.equal(importSeen.at(-1), 100, `${what}: import progress went ${importSeen.join(' → ')}`);
      assert.match(await page.locator('#import-progress-text').textContent(), /^100 % .* \(succeeded\)$/);

      // The requests: the service for the URLs and the start, the bucket for the bytes; never the
      // service's own upload route.
      const sent = requests.slice(first);
      const toService = sent.filter((r) => r.url.startsWith(direct.base)).map((r) => `${r.method} ${new URL(r.url).pathname}`);
      const toS3 = sent.filter((r) => r.url.startsWith(s3.endpoint));
      assert.ok(toService.includes(`POST /v1/${table}/upload-urls`), toService.join('\n'));
      assert.ok(!toService.includes(`POST /v1/${table}/upload`), toService.join('\n'));
      const puts = toS3.filter((r) => r.method === 'PUT');
      const posts = toS3.filter((r) => r.method === 'POST');
      if (parts) {
        assert.equal(puts.length, parts, `${what}: one PUT a part`);
        assert.ok(puts.every((r) => /[?&]partNumber=\d+/.test(r.url)), puts.map((r) => r.url).join('\n'));
        // A slice of the file has no type: no Content-Type goes with a part.
        assert.ok(puts.every((r) => !r.headers['content-type']), JSON.stringify(puts.map((r) => r.headers)));
        assert.equal(posts.length, 1, `${what}: one CompleteMultipartUpload`);
        assert.match(posts[0].url, /[?&]uploadId=/);
      } else {
        assert.equal(puts.length, 1, `${what}: one PUT`);
        assert.equal(posts.length, 0);
        // The File itself: the browser adds its type, which the URL (it signs only the host) allows.
        assert.equal(puts[0].headers['content-type'], 'text/csv');
      }

      const importId = Number(await page.locator('#upload-result').getAttribute('data-import-id'));
      const loadId = Number(await page.locator('#upload-result').getAttribute('data-load-id'));
      const imported = await api(direct, `/v1/imports/${importId}`);
      assert.equal(imported.status, 'succeeded', JSON.stringify(imported));
      assert.equal(imported.steps[0].load_id, loadId);
      assert.equal(imported.bytes_total, bytes);
      assert.equal(imported.bytes_read, bytes);
      const location = imported.steps[0].source;
      assert.match(
        location,
        new RegExp(`^s3://${s3.bucket}/${s3.prefix}/uploads/${table}/\\d{4}/\\d{2}/\\d{2}/import-${importId}\\.csv$`),
      );
      objects.push({ key: location.slice(`s3://${s3.bucket}/`.length), bytes });

      const load = await api(direct, `/v1/loads/${loadId}`);
      assert.equal(load.table, table);
      assert.equal(load.rows_received, records(await readFile(file, 'utf8')), `${what}: every record of the file arrived`);
      if (rows) assert.equal(load.rows_inserted, rows, `${what}: every generated row is valid`);
      const summary = await assertCountsShown(page, load, what);
      assert.ok(summary.includes(`Sent straight to S3 (${location})`), summary);
      await page.locator(`#history-table tbody tr[data-load-id="${loadId}"]`).waitFor();
    }

    // Each file is in the bucket where the import read it, byte for byte as long.
    const listed = await awsS3('list-objects-v2', '--bucket', s3.bucket, '--prefix', `${s3.prefix}/uploads/`);
    const sizes = Object.fromEntries((listed?.Contents || []).map((object) => [object.Key, object.Size]));
    for (const { key, bytes } of objects) assert.equal(sizes[key], bytes, `${key} in ${JSON.stringify(sizes)}`);
    await screenshot(page, 'loads-s3-1280x800');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  await close();
});

test('the reports page shows the same numbers as the API, in its charts, tables and CSV downloads', async () => {
  const { page, close } = await newPage({ width: 1280, height: 800 });
  await page.goto(`${open.base}/ui/`);
  await page.locator('body[data-reports="ready"]').waitFor();
  assert.equal(await page.getByLabel('Year', { exact: true }).inputValue(), '2021');
  const hires = await api(open, '/v1/reports/hires-by-quarter?year=2021');
  const above = await api(open, '/v1/reports/departments-above-mean?year=2021');
  assert.ok(hires.rows.length > 0 && above.rows.length > 0);

  // The table: every API row, in the API's order (the default sort), total included.
  const tableRows = await page.locator('#hires-table tbody tr').evaluateAll((rows) =>
    rows.map((row) => [...row.children].map((cell) => cell.textContent)),
  );
  const n = (text) => Number(text.replace(/,/g, ''));
  assert.deepEqual(
    tableRows.map(([department, job, q1, q2, q3, q4, total]) => ({ department, job, Q1: n(q1), Q2: n(q2), Q3: n(q3), Q4: n(q4), total: n(total) })),
    hires.rows.map((row) => ({ ...row, total: row.Q1 + row.Q2 + row.Q3 + row.Q4 })),
  );

  // The chart: one stacked bar per department, each quarter the sum of its jobs.
  const chartData = () =>
    page.evaluate((name) => {
      const { data } = window.migrationUi.charts[name];
      return { labels: data.labels, datasets: data.datasets.map((d) => ({ label: d.label, data: d.data })) };
    }, 'hires');
  const departments = [...new Set(hires.rows.map((row) => row.department))];
  const sums = (rows, names, key) =>
    ['Q1', 'Q2', 'Q3', 'Q4'].map((q) => ({
      label: q,
      data: names.map((name) => rows.filter((row) => row[key] === name).reduce((sum, row) => sum + row[q], 0)),
    }));
  assert.deepEqual(await chartData(), { labels: departments, datasets: sums(hires.rows, departments, 'department') });

  // Drill into the first department: its jobs, and the table shows only them.
  const department = departments[0];
  await page.getByLabel('Department', { exact: true }).selectOption(department);
  const jobs = hires.rows.filter((row) => row.department === department);
  assert.deepEqual(await chartData(), { labels: jobs.map((row) => row.job), datasets: sums(jobs, jobs.map((row) => row.job), 'job') });
  assert.equal(await page.locator('#hires-table tbody tr').count(), jobs.length);
  await page.getByLabel('Department', { exact: true }).selectOption('');

  // Sorting: Q1 descending on the first click of its header.
  await page.getByRole('button', { name: 'Q1', exact: true }).click();
  assert.equal(await page.locator('#hires-table th[data-key="Q1"]').getAttribute('aria-sort'), 'descending');
  const q1 = (await page.locator('#hires-table tbody tr td:nth-child(3)').allTextContents()).map(n);
  assert.deepEqual(q1, [...q1].sort((a, b) => b - a));
  // The same from the keyboard: Tab to a header, Enter.
  await page.locator('#hires-table th[data-key="total"] button').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('#hires-table th[data-key="total"]').getAttribute('aria-sort'), 'descending');
  assert.equal(await page.locator('#hires-table th[data-key="Q1"]').getAttribute('aria-sort'), null);

  // Departments above the mean: bars = hired, the line = the mean at every bar, and the table.
  const aboveChart = await page.evaluate(() => {
    const { data } = window.migrationUi.charts.above;
    return { labels: data.labels, bars: data.datasets[0].data, line: data.datasets[1].data, type: data.datasets[1].type };
  });
  assert.deepEqual(aboveChart, {
    labels: above.rows.map((row) => row.department),
    bars: above.rows.map((row) => row.hired),
    line: above.rows.map(() => above.mean),
    type: 'line',
  });
  const aboveTable = await page.locator('#above-table tbody tr').evaluateAll((rows) =>
    rows.map((row) => [...row.children].map((cell) => cell.textContent)),
  );
  assert.deepEqual(aboveTable, above.rows.map((row) => [String(row.id), row.department, row.hired.toLocaleString('en-US')]));

  // CSV downloads: the API's CSV, byte for byte.
  for (const [button, report] of [['#hires-csv', 'hires-by-quarter'], ['#above-csv', 'departments-above-mean']]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    assert.equal(download.suggestedFilename(), `${report}-2021.csv`);
    const saved = path.join(artifacts, download.suggestedFilename());
    await download.saveAs(saved);
    assert.equal(await readFile(saved, 'utf8'), await api(open, `/v1/reports/${report}?year=2021&format=csv`));
  }

  // Another year: the API's numbers for it.
  await page.getByLabel('Year', { exact: true }).fill('2020');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('#reports-status').textContent.startsWith('2020'));
  const hires2020 = await api(open, '/v1/reports/hires-by-quarter?year=2020');
  assert.equal(await page.locator('#hires-table tbody tr td.num').count(), hires2020.rows.length * 5);
  await page.getByLabel('Year', { exact: true }).fill('2021');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.waitForFunction(() => document.querySelector('#reports-status').textContent.startsWith('2021'));

  await screenshot(page, 'reports-1280x800');
  await close();
});

test('the rejects table lists the rejected rows of a load, page by page', async () => {
  const loadId = loadIds.hired_employees;
  assert.ok(loadId, 'the upload test ran first');
  const { page, close } = await newPage({ width: 1280, height: 800 });
  await page.goto(`${open.base}/ui/#/loads`);
  await page.locator('#history-table tbody tr').first().waitFor();
  await page.getByRole('link', { name: `Rejected rows of load ${loadId}` }).click();
  await page.locator('#rejects-card[data-state="ready"]').waitFor();

  const shown = () =>
    page.locator('#rejects-table tbody tr').evaluateAll((rows) =>
      rows.map((row) => {
        const cells = [...row.children];
        return {
          line: Number(cells[0].textContent),
          fields: [...cells[1].children].map((div) => div.textContent),
          messages: [...cells[2].children].map((div) => div.textContent),
          raw: cells[3].textContent,
        };
      }),
    );
  const expected = (items) =>
    items.map((reject) => ({
      line: reject.line,
      fields: reject.errors.map((error) => error.field || '—'),
      messages: reject.errors.map((error) => error.message),
      raw: reject.raw,
    }));

  const first = await api(open, `/v1/loads/${loadId}/rejects?limit=50`);
  assert.equal(first.items.length, 50);
  assert.deepEqual(await shown(), expected(first.items));
  await screenshot(page, 'rejects-1280x800');

  await page.getByRole('button', { name: 'Next page' }).click();
  await page.waitForFunction(() => document.querySelector('#rejects-page').textContent.startsWith('Rows 51'));
  const second = await api(open, `/v1/loads/${loadId}/rejects?limit=50&after=${first.next}`);
  assert.deepEqual(await shown(), expected(second.items));
  const load = await api(open, `/v1/loads/${loadId}`);
  assert.ok(second.items.length > 0, 'the second page has rejects');
  assert.equal(first.items.length + second.items.length, load.rows_rejected, 'two pages hold every reject of the fixture');
  assert.ok(await page.getByRole('button', { name: 'Next page' }).isDisabled());
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.waitForFunction(() => document.querySelector('#rejects-page').textContent.startsWith('Rows 1–'));
  assert.deepEqual(await shown(), expected(first.items));
  await close();
});

test('at phone width (390 px) every page fits without horizontal scrolling', async () => {
  const { page, close } = await newPage({ width: 390, height: 844 });
  await page.goto(`${open.base}/ui/`);
  await page.locator('body[data-reports="ready"]').waitFor();
  await noHorizontalOverflow(page, 'reports');
  await screenshot(page, 'reports-390');
  await page.getByRole('link', { name: 'Loads', exact: true }).click();
  await page.locator('#history-table tbody tr[data-load-id]').first().waitFor();
  await noHorizontalOverflow(page, 'loads');
  await screenshot(page, 'loads-390');
  await page.goto(`${open.base}/ui/#/loads/${loadIds.hired_employees}`);
  await page.locator('#rejects-card[data-state="ready"]').waitFor();
  await noHorizontalOverflow(page, 'rejects');
  await close();
});

test('the static files: content types, CSP and cache headers; /ui and /ui/ are the same page', async () => {
  const pageResponse = await fetch(`${open.base}/ui/`);
  assert.equal(pageResponse.status, 200);
  assert.equal(pageResponse.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(pageResponse.headers.get('cache-control'), 'no-cache');
  assert.match(pageResponse.headers.get('content-security-policy'), /default-src 'none'; script-src 'self'; style-src 'self'/);
  const withoutSlash = await fetch(`${open.base}/ui`);
  assert.equal(withoutSlash.status, 200);
  const html = await pageResponse.text();
  assert.equal(await withoutSlash.text(), html);
  const script = /src="\/ui\/(app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
  const style = /href="\/ui\/(style-[A-Z0-9]+\.css)"/.exec(html)?.[1];
  assert.ok(script && style, html);
  for (const [file, type] of [[script, 'text/javascript; charset=utf-8'], [style, 'text/css; charset=utf-8']]) {
    const response = await fetch(`${open.base}/ui/${file}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), type);
    assert.match(response.headers.get('cache-control'), /immutable/);
  }
  const missing = await fetch(`${open.base}/ui/nothing.js`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json');
});

test('with API keys on the server, a 401 asks for the key once and the pages work with it', async () => {
  const { page, close } = await newPage({ width: 1280, height: 800 }, { allowStatus: [401] });
  await page.goto(`${secured.base}/ui/`);
  const dialog = page.getByRole('dialog', { name: 'API key' });
  await dialog.waitFor();
  assert.match(await page.locator('#key-reason').textContent(), /needs a key/);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'key-input', 'the prompt takes the focus');
  await screenshot(page, 'key-prompt-1280x800');

  // A wrong key: refused, asked again.
  await page.getByLabel('Key', { exact: true }).fill('not-the-key');
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.waitForFunction(() => /not valid/.test(document.querySelector('#key-reason').textContent));
  assert.ok(await dialog.isVisible());

  await page.getByLabel('Key', { exact: true }).fill(API_KEY);
  await page.getByRole('button', { name: 'Use key' }).click();
  await page.locator('body[data-reports="ready"]').waitFor();
  assert.ok(!(await dialog.isVisible()));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('migration-api.key')), API_KEY);

  // The key is kept for the session: the loads page and an upload need no prompt.
  await page.getByRole('link', { name: 'Loads', exact: true }).click();
  await page.getByLabel('Table', { exact: true }).selectOption('departments');
  await page.getByLabel('CSV file', { exact: true }).setInputFiles(path.join(dataDir, 'departments.csv'));
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.locator('#upload-form[data-state="done"]').waitFor();
  assert.ok(!(await dialog.isVisible()));
  const load = await api(secured, '/v1/loads?limit=1', { 'X-API-Key': API_KEY });
  assert.equal(load.items[0].table, 'departments');
  await close();
});

// Written last, so a failing run still leaves what it saw.
after(async () => {
  await writeFile(path.join(artifacts, 'README.txt'), 'Screenshots of the /ui pages taken by tests/browser/run.mjs.\n');
});
