// Small DOM helpers: elements are built with textContent only (no innerHTML), so data from the
// API (names, raw CSV records) can never become markup.

export const $ = (selector) => document.querySelector(selector);

export function element(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('aria-') || name === 'role') node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

export function clear(node) {
  node.replaceChildren();
}

const integer = new Intl.NumberFormat('en-US');
export function formatNumber(value, fractionDigits = 0) {
  if (fractionDigits === 0) return integer.format(value);
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: fractionDigits }).format(value);
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

// Status lines: normal text, or an error (styled and announced the same way, role="status").
export function setStatus(target, text) {
  target.classList.remove('error');
  target.textContent = text;
}

export function showError(target, what, error) {
  const status = error && error.status ? ` (HTTP ${error.status})` : '';
  target.textContent = `${what}${status}: ${error && error.message ? error.message : error}`;
  target.classList.add('error');
}
