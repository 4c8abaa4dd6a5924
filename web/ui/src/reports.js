// The reports page: hires by quarter (stacked bars per department, drill into one department's
// jobs, sortable table) and departments above the mean (bars, the mean as a line, table).
import { download, getJson } from './api.js';
import { BAR_COLOUR, Chart, MEAN_COLOUR, QUARTER_COLOURS } from './charts.js';
import { $, clear, element, formatNumber, setStatus, showError } from './dom.js';

const QUARTERS = ['Q1', 'Q2', 'Q3', 'Q4'];
const charts = { hires: null, above: null };
const state = { year: 2021, hires: null, above: null, department: '', sort: { key: 'department', dir: 1 } };

// Read by the browser tests (tests/browser/): the charts as drawn, labels and datasets.
window.migrationUi = { charts };

const byteOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const total = (row) => QUARTERS.reduce((sum, q) => sum + row[q], 0);

// Long category names are cut on the axis (phones); the tooltip and the table have them whole.
function shortLabel(value) {
  const label = this.getLabelForValue(value);
  const room = this.chart.width < 500 ? 16 : 36;
  return label.length > room ? `${label.slice(0, room - 1)}…` : label;
}

function chartHeight(bars) {
  return `${Math.max(220, bars * 26 + 90)}px`;
}

function renderHiresChart() {
  const rows = state.hires.rows;
  const department = state.department;
  let labels;
  let series;
  if (department) {
    const mine = rows.filter((row) => row.department === department);
    labels = mine.map((row) => row.job);
    series = QUARTERS.map((q) => mine.map((row) => row[q]));
  } else {
    labels = [...new Set(rows.map((row) => row.department))];
    const index = new Map(labels.map((name, i) => [name, i]));
    series = QUARTERS.map(() => labels.map(() => 0));
    for (const row of rows) QUARTERS.forEach((q, i) => (series[i][index.get(row.department)] += row[q]));
  }
  const canvas = $('#hires-chart');
  canvas.parentElement.style.height = chartHeight(labels.length);
  const what = department ? `jobs of ${department}` : 'departments';
  canvas.setAttribute(
    'aria-label',
    labels.length
      ? `Horizontal stacked bar chart of hires in ${state.year} per ${department ? 'job' : 'department'} (${what}), one segment per quarter. The table below has the same numbers.`
      : `No hires in ${state.year}.`,
  );
  const data = {
    labels,
    datasets: QUARTERS.map((q, i) => ({ label: q, data: series[i], backgroundColor: QUARTER_COLOURS[i], stack: 'hires' })),
  };
  if (charts.hires) {
    charts.hires.data = data;
    charts.hires.update();
    charts.hires.resize();
    return;
  }
  charts.hires = new Chart(canvas, {
    type: 'bar',
    data,
    options: {
      indexAxis: 'y',
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { stacked: true, beginAtZero: true, title: { display: true, text: 'hires' }, ticks: { precision: 0 } },
        y: { stacked: true, ticks: { autoSkip: false, callback: shortLabel } },
      },
      plugins: { legend: { position: 'top' } },
      onClick: (_event, elements) => {
        if (state.department || !elements.length) return;
        selectDepartment(charts.hires.data.labels[elements[0].index]);
      },
      onHover: (event, elements) => {
        event.native.target.style.cursor = !state.department && elements.length ? 'pointer' : 'default';
      },
    },
  });
}

function renderHiresTable() {
  const { key, dir } = state.sort;
  const rows = state.hires.rows
    .filter((row) => !state.department || row.department === state.department)
    .map((row) => ({ ...row, total: total(row) }));
  rows.sort((a, b) => {
    const primary = key === 'department' || key === 'job' ? byteOrder(a[key], b[key]) : a[key] - b[key];
    return dir * primary || byteOrder(a.department, b.department) || byteOrder(a.job, b.job);
  });
  for (const th of document.querySelectorAll('#hires-table th[data-key]')) {
    if (th.dataset.key === key) th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
  }
  const body = $('#hires-table tbody');
  clear(body);
  if (!rows.length) {
    body.append(element('tr', {}, element('td', { colSpan: 7 }, `No hires in ${state.year}.`)));
    return;
  }
  const fragment = document.createDocumentFragment();
  for (const row of rows) {
    fragment.append(
      element(
        'tr',
        {},
        element('th', { scope: 'row' }, row.department),
        element('td', {}, row.job),
        ...QUARTERS.map((q) => element('td', { className: 'num' }, formatNumber(row[q]))),
        element('td', { className: 'num' }, formatNumber(row.total)),
      ),
    );
  }
  body.append(fragment);
}

function renderDepartmentChoice() {
  const select = $('#hires-department');
  const departments = [...new Set(state.hires.rows.map((row) => row.department))];
  if (state.department && !departments.includes(state.department)) state.department = '';
  clear(select);
  select.append(element('option', { value: '' }, 'All departments (by department)'));
  for (const name of departments) select.append(element('option', { value: name }, `${name} (by job)`));
  select.value = state.department;
}

function selectDepartment(name) {
  state.department = name;
  $('#hires-department').value = name;
  renderHiresChart();
  renderHiresTable();
  setStatus($('#reports-status'), name ? `Showing the jobs of ${name}.` : 'Showing all departments.');
}

function renderAbove() {
  const { mean, rows } = state.above;
  $('#above-mean').textContent = `Mean in ${state.year}: ${formatNumber(mean, 2)} hires per department (hires that year / number of departments); ${rows.length} department${rows.length === 1 ? '' : 's'} above it.`;
  const labels = rows.map((row) => row.department);
  const canvas = $('#above-chart');
  canvas.setAttribute(
    'aria-label',
    rows.length
      ? `Bar chart of hires in ${state.year} per department above the mean, with the mean of ${formatNumber(mean, 2)} drawn as a line. The table below has the same numbers.`
      : `No department hired more than the mean in ${state.year}.`,
  );
  const data = {
    labels,
    datasets: [
      { type: 'bar', label: 'hired', data: rows.map((row) => row.hired), backgroundColor: BAR_COLOUR, order: 2, pointStyle: 'rect' },
      {
        type: 'line',
        label: `mean (${formatNumber(mean, 2)})`,
        data: labels.map(() => mean),
        borderColor: MEAN_COLOUR,
        backgroundColor: MEAN_COLOUR,
        borderWidth: 2,
        borderDash: [6, 4],
        pointRadius: 0,
        pointStyle: 'line',
        order: 1,
      },
    ],
  };
  if (charts.above) {
    charts.above.data = data;
    charts.above.update();
  } else {
    charts.above = new Chart(canvas, {
      type: 'bar',
      data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          y: { beginAtZero: true, title: { display: true, text: 'hires' }, ticks: { precision: 0 } },
          x: { ticks: { autoSkip: false, callback: shortLabel } },
        },
        plugins: { legend: { labels: { usePointStyle: true } } },
      },
    });
  }

  const body = $('#above-table tbody');
  clear(body);
  if (!rows.length) body.append(element('tr', {}, element('td', { colSpan: 3 }, 'No department above the mean.')));
  for (const row of rows) {
    body.append(
      element(
        'tr',
        {},
        element('td', { className: 'num' }, String(row.id)),
        element('th', { scope: 'row' }, row.department),
        element('td', { className: 'num' }, formatNumber(row.hired)),
      ),
    );
  }
}

let loadSeq = 0;

async function load() {
  const year = Number($('#year').value);
  const status = $('#reports-status');
  if (!Number.isInteger(year) || year < 1900 || year > 2999) {
    showError(status, 'Year', new Error('enter a year from 1900 to 2999'));
    return;
  }
  state.year = year;
  const mine = ++loadSeq; // a later request (year changed again) wins over this one
  setStatus(status, `Loading the reports for ${year}…`);
  document.body.dataset.reports = 'loading';
  try {
    const [hires, above] = await Promise.all([
      getJson(`/v1/reports/hires-by-quarter?year=${year}`),
      getJson(`/v1/reports/departments-above-mean?year=${year}`),
    ]);
    if (mine !== loadSeq) return;
    state.hires = hires;
    state.above = above;
    renderDepartmentChoice();
    renderHiresChart();
    renderHiresTable();
    renderAbove();
    const hired = hires.rows.reduce((sum, row) => sum + total(row), 0);
    setStatus(status, `${year}: ${formatNumber(hired)} hires in ${hires.rows.length} department and job pairs.`);
    document.body.dataset.reports = 'ready';
  } catch (error) {
    if (mine !== loadSeq) return;
    showError(status, 'Could not load the reports', error);
    document.body.dataset.reports = 'error';
  }
}

export function initReports() {
  $('#year-form').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('#year').addEventListener('change', () => load());
  $('#hires-department').addEventListener('change', (event) => selectDepartment(event.target.value));
  for (const th of document.querySelectorAll('#hires-table th[data-key]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key;
      const numeric = key !== 'department' && key !== 'job';
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : numeric ? -1 : 1 };
      renderHiresTable();
    });
  }
  const csv = (name) => () =>
    download(`/v1/reports/${name}?year=${state.year}&format=csv`, `${name}-${state.year}.csv`, 'text/csv').catch((error) =>
      showError($('#reports-status'), 'Could not download the CSV', error),
    );
  $('#hires-csv').addEventListener('click', csv('hires-by-quarter'));
  $('#above-csv').addEventListener('click', csv('departments-above-mean'));
}

let loaded = false;
export function showReports() {
  if (!loaded) {
    loaded = true;
    load();
  } else {
    // Charts drawn while the page was hidden have no size; draw them again.
    charts.hires?.resize();
    charts.above?.resize();
  }
}
