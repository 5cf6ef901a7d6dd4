// Exchanges: the paged list and the form that declares one; one exchange with its bindings,
// binding and publishing forms.
import { api, path, ApiError } from './api.js';
import { h, fill, facts, section, table, form, link, errorLine, actionButton, fmtArgs, parseKeyValues } from './dom.js';
import { pagedList } from './list.js';
import { features } from './page_queues.js';

const display = (name) => (name === '' ? '(AMQP default)' : name);
const segment = (name) => (name === '' ? 'amq.default' : name);

export function mount(root, _params, ctx) {
  const list = pagedList(
    'exchanges',
    () => '/exchanges',
    [
      { label: 'Virtual host', value: (x) => x.vhost, sort: 'vhost' },
      { label: 'Name', value: (x) => link(['exchanges', x.vhost, segment(x.name)], display(x.name)), sort: 'name', className: 'name' },
      { label: 'Type', value: (x) => x.type, sort: 'type' },
      { label: 'Features', value: features },
    ],
    { what: 'exchanges' }
  );
  const add = form(
    'add-exchange',
    [
      { name: 'vhost', label: 'Virtual host', type: 'select', options: ctx.vhosts },
      { name: 'name', label: 'Name', required: true },
      { name: 'type', label: 'Type', type: 'select', options: ctx.exchangeTypes },
      { name: 'durable', label: 'Durability', type: 'select', options: [['true', 'Durable'], ['false', 'Transient']] },
      { name: 'auto_delete', label: 'Auto delete', type: 'select', options: [['false', 'No'], ['true', 'Yes']] },
      { name: 'internal', label: 'Internal', type: 'select', options: [['false', 'No'], ['true', 'Yes']] },
      { name: 'arguments', label: 'Arguments', type: 'textarea', rows: 2, placeholder: 'alternate-exchange = ae' },
    ],
    'Add exchange',
    async (v) => {
      await api('PUT', path('exchanges', v.vhost, v.name), {
        type: v.type,
        durable: v.durable === 'true',
        auto_delete: v.auto_delete === 'true',
        internal: v.internal === 'true',
        arguments: parseKeyValues(v.arguments),
      });
      await list.refresh();
      return `Exchange ${v.name} declared.`;
    }
  );
  root.append(h('h1', {}, 'Exchanges'), section('All exchanges', list.element), section('Add a new exchange', add));
  return { refresh: list.refresh };
}

export function mountDetail(root, { vhost, name }, ctx) {
  const xpath = path('exchanges', vhost, name);
  const details = h('div');
  const bindings = h('div', { id: 'exchange-bindings' });
  const actionError = errorLine();
  const isDefault = name === 'amq.default';

  const bindForm = form(
    'bind-exchange',
    [
      { name: 'destination_type', label: 'To', type: 'select', options: [['q', 'Queue'], ['e', 'Exchange']] },
      { name: 'destination', label: 'Destination', required: true },
      { name: 'routing_key', label: 'Routing key' },
      { name: 'arguments', label: 'Arguments', type: 'textarea', rows: 2, placeholder: 'key = value' },
    ],
    'Bind',
    async (v) => {
      await api('POST', path('bindings', vhost, 'e', name, v.destination_type, v.destination), {
        routing_key: v.routing_key,
        arguments: parseKeyValues(v.arguments),
      });
      await ctx.refresh();
      return 'Bound.';
    }
  );
  const publishForm = form(
    'publish-exchange',
    [
      { name: 'routing_key', label: 'Routing key' },
      { name: 'delivery_mode', label: 'Delivery mode', type: 'select', options: [['1', '1 - Non-persistent'], ['2', '2 - Persistent']] },
      { name: 'headers', label: 'Headers', type: 'textarea', rows: 2, placeholder: 'key = value' },
      { name: 'payload', label: 'Payload', type: 'textarea', rows: 4 },
    ],
    'Publish message',
    async (v) => {
      const properties = { delivery_mode: Number(v.delivery_mode) };
      const headers = parseKeyValues(v.headers);
      if (Object.keys(headers).length) properties.headers = headers;
      const r = await api('POST', `${xpath}/publish`, {
        routing_key: v.routing_key,
        payload: v.payload,
        payload_encoding: 'string',
        properties,
      });
      return r && r.routed ? 'Message published.' : 'Message published, but not routed.';
    }
  );
  const remove = actionButton('Delete this exchange', `Delete exchange ${name}?`, async () => {
    await api('DELETE', xpath);
    location.hash = '#/exchanges';
  }, actionError);

  root.append(
    h('h1', {}, 'Exchange ', h('span', { class: 'object-name' }, display(isDefault ? '' : name)), h('small', {}, ` in virtual host ${vhost}`)),
    section('Details', details),
    section('Bindings', bindings, isDefault ? null : [h('h3', {}, 'Add binding from this exchange'), bindForm]),
    section('Publish message', publishForm),
    isDefault ? null : section('Delete this exchange', remove, actionError)
  );

  async function refresh() {
    let x;
    try {
      x = await api('GET', xpath);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        fill(details, h('p', { class: 'alarm' }, 'This exchange does not exist (any more).'));
        return;
      }
      throw err;
    }
    fill(
      details,
      facts([
        ['Type', x.type],
        ['Features', [x.durable ? 'durable ' : 'transient ', x.auto_delete ? 'auto-delete ' : '', x.internal ? 'internal' : '']],
        ['Arguments', fmtArgs(x.arguments)],
      ])
    );
    if (isDefault) {
      fill(bindings, h('p', {}, 'The default exchange is implicitly bound to every queue, with a routing key equal to the queue name.'));
      return;
    }
    const bs = await api('GET', `${xpath}/bindings/source`);
    const unbindError = errorLine();
    fill(
      bindings,
      table(
        [
          {
            label: 'To',
            value: (b) => link([b.destination_type === 'queue' ? 'queues' : 'exchanges', vhost, b.destination], b.destination),
          },
          { label: 'Type', value: (b) => b.destination_type },
          { label: 'Routing key', value: (b) => b.routing_key },
          { label: 'Arguments', value: (b) => fmtArgs(b.arguments) },
          {
            label: '',
            value: (b) =>
              actionButton('Unbind', null, async () => {
                const kind = b.destination_type === 'queue' ? 'q' : 'e';
                await api('DELETE', path('bindings', vhost, 'e', name, kind, b.destination, b.properties_key));
                await ctx.refresh();
              }, unbindError),
          },
        ],
        bs,
        { empty: 'No bindings.' }
      ),
      unbindError
    );
  }
  return { refresh };
}
