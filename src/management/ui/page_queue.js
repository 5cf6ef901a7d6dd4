// One queue: its counts, consumers and bindings; get, publish and purge messages; delete it.
import { api, path, ApiError } from './api.js';
import { h, fill, facts, section, table, form, link, errorLine, actionButton, fmtNumber, fmtBytes, fmtArgs, parseKeyValues } from './dom.js';

function messageView(m, i) {
  return h(
    'div',
    { class: 'message' },
    h('h3', {}, `Message ${i + 1}`),
    facts([
      ['Exchange', m.exchange === '' ? '(AMQP default)' : m.exchange],
      ['Routing key', m.routing_key],
      ['Redelivered', String(m.redelivered)],
      ['Properties', fmtArgs(m.properties)],
      ['Payload', `${fmtNumber(m.payload_bytes)} bytes, encoding: ${m.payload_encoding}`],
    ]),
    h('pre', { class: 'payload' }, m.payload)
  );
}

// The queue's message counters and their rates, RabbitMQ's message_stats (none until
// messages went through it).
function messageStats(stats) {
  if (!stats) return [];
  const row = (label, key) => [label, `${fmtNumber(stats[key])} (${fmtNumber(stats[`${key}_details`].rate)}/s)`, `queue-${key}`];
  return [row('Published', 'publish'), row('Delivered and got', 'deliver_get'), row('Redelivered', 'redeliver'), row('Acked', 'ack')];
}

export function mount(root, { vhost, name }, ctx) {
  const qpath = path('queues', vhost, name);
  const details = h('div', { id: 'queue-details' });
  const consumers = h('div');
  const bindings = h('div', { id: 'queue-bindings' });
  const got = h('div', { id: 'got-messages' });
  const actionError = errorLine();
  actionError.id = 'queue-action-error';

  const getForm = form(
    'get',
    [
      {
        name: 'ackmode',
        label: 'Ack mode',
        type: 'select',
        options: [
          ['ack_requeue_true', 'Nack message requeue true'],
          ['ack_requeue_false', 'Automatic ack'],
          ['reject_requeue_true', 'Reject requeue true'],
          ['reject_requeue_false', 'Reject requeue false'],
        ],
      },
      { name: 'encoding', label: 'Encoding', type: 'select', options: [['auto', 'Auto string / base64'], ['base64', 'base64']] },
      { name: 'count', label: 'Messages', type: 'number', value: '1' },
    ],
    'Get messages',
    async (v) => {
      const list = await api('POST', `${qpath}/get`, {
        count: Number(v.count),
        ackmode: v.ackmode,
        encoding: v.encoding,
        truncate: 50000,
      });
      fill(got, list.length ? list.map(messageView) : h('p', { class: 'empty' }, 'Queue is empty.'));
      await ctx.refresh();
      return `${list.length} message(s) got.`;
    }
  );

  const publishForm = form(
    'publish',
    [
      { name: 'delivery_mode', label: 'Delivery mode', type: 'select', options: [['1', '1 - Non-persistent'], ['2', '2 - Persistent']] },
      { name: 'headers', label: 'Headers', type: 'textarea', rows: 2, placeholder: 'key = value' },
      { name: 'properties', label: 'Properties', type: 'textarea', rows: 2, placeholder: 'content_type = text/plain' },
      { name: 'payload', label: 'Payload', type: 'textarea', rows: 4 },
    ],
    'Publish message',
    async (v) => {
      const properties = { ...parseKeyValues(v.properties), delivery_mode: Number(v.delivery_mode) };
      const headers = parseKeyValues(v.headers);
      if (Object.keys(headers).length) properties.headers = headers;
      const r = await api('POST', `${path('exchanges', vhost, 'amq.default')}/publish`, {
        routing_key: name,
        payload: v.payload,
        payload_encoding: 'string',
        properties,
      });
      await ctx.refresh();
      return r && r.routed ? 'Message published.' : 'Message published, but not routed.';
    }
  );

  const bindForm = form(
    'bind-queue',
    [
      { name: 'source', label: 'From exchange', required: true },
      { name: 'routing_key', label: 'Routing key' },
      { name: 'arguments', label: 'Arguments', type: 'textarea', rows: 2, placeholder: 'key = value' },
    ],
    'Bind',
    async (v) => {
      await api('POST', path('bindings', vhost, 'e', v.source, 'q', name), {
        routing_key: v.routing_key,
        arguments: parseKeyValues(v.arguments),
      });
      await ctx.refresh();
      return 'Bound.';
    }
  );

  const purge = actionButton('Purge messages', `Purge all messages of ${name}?`, async () => {
    await api('DELETE', `${qpath}/contents`);
    await ctx.refresh();
  }, actionError);
  purge.id = 'purge';
  const remove = actionButton('Delete queue', `Delete queue ${name}?`, async () => {
    await api('DELETE', qpath);
    location.hash = '#/queues';
  }, actionError);
  remove.id = 'delete-queue';

  root.append(
    h('h1', {}, 'Queue ', h('span', { class: 'object-name' }, name), h('small', {}, ` in virtual host ${vhost}`)),
    section('Details', details),
    section('Consumers', consumers),
    section('Bindings', bindings, h('h3', {}, 'Add binding to this queue'), bindForm),
    section('Publish message', publishForm),
    section('Get messages', h('p', { class: 'hint' }, 'Getting messages is a destructive action with automatic ack.'), getForm, got),
    section('Purge and delete', h('div', { class: 'actions' }, purge, ' ', remove), actionError)
  );

  async function refresh() {
    let q;
    try {
      q = await api('GET', qpath);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        fill(details, h('p', { class: 'alarm' }, 'This queue does not exist (any more).'));
        return;
      }
      throw err;
    }
    fill(
      details,
      facts([
        ['Type', q.type],
        ['Features', [q.durable ? 'durable ' : 'transient ', q.auto_delete ? 'auto-delete ' : '', q.exclusive ? 'exclusive' : '']],
        ['Arguments', fmtArgs(q.arguments)],
        ['Policy', q.policy || ''],
        ['State', q.state],
        ['Ready', fmtNumber(q.messages_ready), 'queue-ready'],
        ['Unacked', fmtNumber(q.messages_unacknowledged), 'queue-unacked'],
        ['Total', fmtNumber(q.messages), 'queue-messages'],
        ['Consumers', fmtNumber(q.consumers), 'queue-consumers'],
        ['Message body bytes ready', fmtBytes(q.message_bytes_ready)],
        ['Memory', fmtBytes(q.memory)],
        ...messageStats(q.message_stats),
      ])
    );
    const [cs, bs] = await Promise.all([api('GET', path('consumers', vhost)), api('GET', `${qpath}/bindings`)]);
    fill(
      consumers,
      table(
        [
          { label: 'Channel', value: (c) => (c.channel_details || {}).name || '' },
          { label: 'Consumer tag', value: (c) => c.consumer_tag },
          { label: 'Ack required', value: (c) => String(c.ack_required) },
          { label: 'Exclusive', value: (c) => String(c.exclusive) },
          { label: 'Prefetch count', value: (c) => fmtNumber(c.prefetch_count) },
          { label: 'Active', value: (c) => String(c.active) },
        ],
        cs.filter((c) => c.queue && c.queue.name === name),
        { empty: 'No consumers.' }
      )
    );
    const unbindError = errorLine();
    fill(
      bindings,
      table(
        [
          { label: 'From', value: (b) => (b.source === '' ? '(Default exchange binding)' : link(['exchanges', vhost, b.source], b.source)) },
          { label: 'Routing key', value: (b) => b.routing_key },
          { label: 'Arguments', value: (b) => fmtArgs(b.arguments) },
          {
            label: '',
            value: (b) =>
              b.source === ''
                ? ''
                : actionButton('Unbind', null, async () => {
                    await api('DELETE', path('bindings', vhost, 'e', b.source, 'q', name, b.properties_key));
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
