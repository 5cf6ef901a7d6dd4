// Building the page: elements are made with textContent and attributes only (never
// innerHTML), so names and payloads from the API are always shown as text.

/** h('a', {href: '#/', class: 'x'}, 'text', child...): an element; null/false children skipped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A hash link to a route made of segments, each encoded (vhost "/" is "%2F"). */
export function link(segments, text) {
  return h('a', { href: route(segments) }, text);
}

export function route(segments) {
  return '#/' + segments.map((s) => encodeURIComponent(s)).join('/');
}

export function fmtNumber(n) {
  if (n === undefined || n === null || n === '') return '';
  if (typeof n !== 'number') return String(n);
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(n < 10 ? 2 : 1);
}

export function fmtBytes(n) {
  if (typeof n !== 'number') return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function fmtTime(ms) {
  return typeof ms === 'number' ? new Date(ms).toLocaleString() : '';
}

/** A table: columns [{label, value(item) -> text|Node, className?}], one row per item. */
export function table(columns, items, { empty = 'Nothing to show.', rowAttrs } = {}) {
  if (!items || items.length === 0) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    { class: 'list' },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c.label)))),
    h(
      'tbody',
      {},
      items.map((item) =>
        h('tr', rowAttrs ? rowAttrs(item) : {}, columns.map((c) => h('td', { class: c.className }, c.value(item))))
      )
    )
  );
}

/** A two-column table of label: value. */
export function facts(rows) {
  return h(
    'table',
    { class: 'facts' },
    h('tbody', {}, rows.map(([label, value, id]) => h('tr', {}, h('th', {}, label), h('td', { id }, value))))
  );
}

export function section(title, ...children) {
  return h('section', { class: 'box' }, h('h2', {}, title), ...children);
}

/** An error line (role=alert), empty and hidden until set. */
export function errorLine(className = 'form-error') {
  const el = h('p', { class: className, role: 'alert', hidden: true });
  el.show = (text) => {
    el.textContent = text;
    el.hidden = !text;
  };
  return el;
}

function field(f) {
  const id = `f-${f.form}-${f.name}`;
  let input;
  if (f.type === 'select') {
    input = h(
      'select',
      { id, name: f.name },
      (f.options || []).map((o) => {
        const [value, label] = Array.isArray(o) ? o : [o, o];
        return h('option', { value, selected: value === f.value }, label);
      })
    );
  } else if (f.type === 'textarea') {
    input = h('textarea', { id, name: f.name, rows: f.rows || 3, placeholder: f.placeholder });
    input.value = f.value ?? '';
  } else if (f.type === 'checkbox') {
    input = h('input', { id, name: f.name, type: 'checkbox', checked: !!f.value });
  } else {
    input = h('input', {
      id,
      name: f.name,
      type: f.type || 'text',
      placeholder: f.placeholder,
      required: f.required,
      autocomplete: f.autocomplete || 'off',
      accept: f.accept,
    });
    if (f.value !== undefined && f.type !== 'file') input.value = f.value;
  }
  return h('div', { class: 'field' }, h('label', { for: id }, f.label), input, f.hint ? h('small', {}, f.hint) : null);
}

/**
 * A form: fields [{name, label, type, options, value, ...}]; on submit calls
 * `action(values)` (values by name: strings, booleans for checkboxes, File for files) and
 * shows the error it throws (the API's reason) or `done`'s text.
 */
export function form(name, fields, submitLabel, action) {
  const error = errorLine();
  const ok = h('p', { class: 'form-ok', role: 'status' });
  const button = h('button', { type: 'submit' }, submitLabel);
  const el = h('form', { class: 'form', id: `form-${name}` }, fields.map((f) => field({ ...f, form: name })), h('div', { class: 'actions' }, button), error, ok);
  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    ok.textContent = '';
    const values = {};
    for (const f of fields) {
      const input = el.elements.namedItem(f.name);
      values[f.name] = f.type === 'checkbox' ? input.checked : f.type === 'file' ? input.files[0] : input.value;
    }
    button.disabled = true;
    try {
      const message = await action(values, el);
      ok.textContent = message || 'Done.';
    } catch (err) {
      error.show(err.message || String(err));
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

/** A button that runs `action` after `question` is confirmed, and shows its error in `error`. */
export function actionButton(label, question, action, error) {
  const button = h('button', { type: 'button', class: 'danger' }, label);
  button.addEventListener('click', async () => {
    if (question && !window.confirm(question)) return;
    button.disabled = true;
    try {
      if (error) error.show('');
      await action();
    } catch (err) {
      if (error) error.show(err.message || String(err));
      else window.alert(err.message || String(err));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/**
 * "key = value" lines as an object: a value that reads as JSON (10, true, "text", {...}) is
 * that JSON, anything else a string. Throws on a line without '='.
 */
export function parseKeyValues(text) {
  const out = {};
  for (const raw of String(text || '').split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`"${line}" is not key = value`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    try {
      out[key] = JSON.parse(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

/** An object as compact "key: value" text. */
export function fmtArgs(obj) {
  if (!obj || typeof obj !== 'object') return '';
  return Object.entries(obj)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}
