// A list the API sorts, filters and pages on the server (RabbitMQ's page, page_size, name,
// use_regex, sort, sort_reverse), so ten thousand queues cost one page per refresh.
import { getList, ApiError } from './api.js';
import { h, fill, errorLine, fmtNumber } from './dom.js';

/**
 * source(): the API path of the list (e.g. "/queues" or "/queues/%2F").
 * columns: [{label, value(item), sort: field name, when sortable}].
 * detail(item), when given: what a row shows when opened (a toggle in its first cell); an
 * opened row stays open across refreshes, pages and sorting (by vhost and name).
 * Returns {element, refresh()}.
 */
export function pagedList(id, source, columns, { pageSize = 20, sort = 'name', what = 'items', detail = null } = {}) {
  const state = { page: 1, pageSize, name: '', regex: false, sort, reverse: false };
  const opened = new Set();
  const error = errorLine('list-error');
  const body = h('div', { class: 'list-body' });
  const counts = h('span', { class: 'counts' });
  const pageLabel = h('span', { class: 'page-label' });
  const prev = h('button', { type: 'button', class: 'page-prev', onclick: () => go(state.page - 1) }, '< Prev');
  const next = h('button', { type: 'button', class: 'page-next', onclick: () => go(state.page + 1) }, 'Next >');
  const filter = h('input', { type: 'search', class: 'filter', placeholder: 'Filter by name', 'aria-label': 'Filter' });
  const regex = h('input', { type: 'checkbox', class: 'regex' });
  const size = h(
    'select',
    { class: 'page-size', 'aria-label': 'Page size' },
    [20, 50, 100, 500].map((n) => h('option', { value: n, selected: n === pageSize }, `${n} per page`))
  );
  let timer = null;
  filter.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.name = filter.value;
      go(1);
    }, 250);
  });
  regex.addEventListener('change', () => {
    state.regex = regex.checked;
    go(1);
  });
  size.addEventListener('change', () => {
    state.pageSize = Number(size.value);
    go(1);
  });

  let lastPageCount = 1;
  function go(page) {
    state.page = Math.max(1, Math.min(page, lastPageCount || 1));
    refresh();
  }

  function header(c) {
    if (!c.sort) return h('th', {}, c.label);
    const active = state.sort === c.sort;
    const th = h(
      'th',
      { class: active ? 'sortable sorted' : 'sortable', 'aria-sort': active ? (state.reverse ? 'descending' : 'ascending') : 'none' },
      c.label,
      active ? (state.reverse ? ' \u25be' : ' \u25b4') : ''
    );
    th.addEventListener('click', () => {
      state.reverse = active ? !state.reverse : false;
      state.sort = c.sort;
      go(1);
    });
    return th;
  }

  const key = (item) => JSON.stringify([item.vhost ?? '', item.name ?? '']);
  function toggle(item) {
    const open = opened.has(key(item));
    return h(
      'button',
      {
        type: 'button',
        class: 'toggle',
        'aria-expanded': String(open),
        'aria-label': open ? 'Hide details' : 'Show details',
        onclick: () => {
          if (open) opened.delete(key(item));
          else opened.add(key(item));
          render(lastItems);
        },
      },
      open ? '\u25be' : '\u25b8'
    );
  }
  function rows(item) {
    const cells = columns.map((c) => h('td', { class: c.className }, c.value(item)));
    if (!detail) return h('tr', { dataset: { name: item.name ?? '' } }, cells);
    const row = h('tr', { dataset: { name: item.name ?? '' } }, h('td', { class: 'toggle-cell' }, toggle(item)), cells);
    if (!opened.has(key(item))) return row;
    const cell = h('td', { colspan: columns.length + 1 }, detail(item));
    return [row, h('tr', { class: 'detail-row', dataset: { detailOf: item.name ?? '' } }, cell)];
  }
  let lastItems = [];
  function render(items) {
    lastItems = items;
    fill(
      body,
      h(
        'table',
        { class: 'list', id: `${id}-table` },
        h('thead', {}, h('tr', {}, detail ? h('th', {}) : null, columns.map(header))),
        h('tbody', {}, items.map(rows))
      ),
      items.length === 0 ? h('p', { class: 'empty' }, `No ${what}.`) : null
    );
  }

  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    let data;
    try {
      data = await getList(source(), {
        page: state.page,
        page_size: state.pageSize,
        name: state.name,
        use_regex: state.regex ? 'true' : '',
        sort: state.sort,
        sort_reverse: state.reverse ? 'true' : '',
      });
    } catch (err) {
      if (mine !== seq) return;
      if (err instanceof ApiError && err.body && err.body.error === 'page_out_of_range' && state.page > 1) {
        state.page = 1;
        return refresh();
      }
      error.show(err.message);
      return;
    }
    if (mine !== seq) return; // a newer request (another page, filter) answers instead
    error.show('');
    lastPageCount = data.page_count || 1;
    render(data.items || []);
    const filtered = data.filtered_count !== data.total_count ? ` (filtered from ${fmtNumber(data.total_count)})` : '';
    counts.textContent = `${fmtNumber(data.filtered_count)} ${what}${filtered}`;
    pageLabel.textContent = `Page ${data.page} of ${data.page_count || 1}`;
    prev.disabled = data.page <= 1;
    next.disabled = data.page >= (data.page_count || 1);
  }

  const element = h(
    'div',
    { class: 'paged', id },
    h('div', { class: 'list-controls' }, filter, h('label', { class: 'inline' }, regex, ' Regex'), size, counts),
    error,
    body,
    h('div', { class: 'pager' }, prev, pageLabel, next)
  );
  return { element, refresh };
}
