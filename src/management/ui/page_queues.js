// Queues and streams: the paged list (sorted, filtered and paged by the API) and the form
// that declares one.
import { api, path } from './api.js';
import { h, section, form, link, fmtNumber, parseKeyValues } from './dom.js';
import { pagedList } from './list.js';

export function features(item) {
  const tags = [];
  if (item.durable) tags.push(h('abbr', { title: 'durable' }, 'D'));
  if (item.auto_delete) tags.push(h('abbr', { title: 'auto-delete' }, 'AD'));
  if (item.exclusive) tags.push(h('abbr', { title: 'exclusive' }, 'Excl'));
  if (item.internal) tags.push(h('abbr', { title: 'internal' }, 'I'));
  for (const key of Object.keys(item.arguments || {})) tags.push(h('abbr', { title: key }, 'Args'));
  return tags.flatMap((t, i) => (i ? [' ', t] : [t]));
}

// A message rate of the queue's message_stats (absent until messages went through it).
function rateColumn(label, counter, className) {
  const rate = (q) => q.message_stats?.[`${counter}_details`]?.rate;
  return {
    label,
    value: (q) => (q.type === 'stream' ? '' : fmtNumber(rate(q) ?? 0)),
    sort: `message_stats.${counter}_details.rate`,
    className: `num ${className}`,
  };
}

export function mount(root, _params, ctx) {
  const list = pagedList(
    'queues',
    () => '/queues',
    [
      { label: 'Virtual host', value: (q) => q.vhost, sort: 'vhost' },
      { label: 'Name', value: (q) => link(['queues', q.vhost, q.name], q.name), sort: 'name', className: 'name' },
      { label: 'Type', value: (q) => q.type, sort: 'type' },
      { label: 'Features', value: features },
      { label: 'State', value: (q) => q.state, sort: 'state' },
      { label: 'Ready', value: (q) => fmtNumber(q.messages_ready), sort: 'messages_ready', className: 'num ready' },
      { label: 'Unacked', value: (q) => fmtNumber(q.messages_unacknowledged), sort: 'messages_unacknowledged', className: 'num unacked' },
      { label: 'Total', value: (q) => fmtNumber(q.messages), sort: 'messages', className: 'num total' },
      { label: 'Consumers', value: (q) => fmtNumber(q.consumers), sort: 'consumers', className: 'num' },
      rateColumn('Incoming/s', 'publish', 'incoming'),
      rateColumn('Deliver/get/s', 'deliver_get', 'deliver'),
      rateColumn('Ack/s', 'ack', 'ack'),
    ],
    { what: 'queues' }
  );
  const add = form(
    'add-queue',
    [
      { name: 'vhost', label: 'Virtual host', type: 'select', options: ctx.vhosts },
      { name: 'type', label: 'Type', type: 'select', options: ['classic', 'quorum', 'stream'] },
      { name: 'name', label: 'Name', required: true },
      { name: 'durable', label: 'Durability', type: 'select', options: [['true', 'Durable'], ['false', 'Transient']] },
      { name: 'auto_delete', label: 'Auto delete', type: 'select', options: [['false', 'No'], ['true', 'Yes']] },
      {
        name: 'arguments',
        label: 'Arguments',
        type: 'textarea',
        placeholder: 'x-max-length = 1000\nx-dead-letter-exchange = dlx',
        hint: 'One per line: key = value (numbers and true/false as JSON).',
      },
    ],
    'Add queue',
    async (v) => {
      const args = parseKeyValues(v.arguments);
      if (v.type !== 'classic') args['x-queue-type'] = v.type;
      await api('PUT', path('queues', v.vhost, v.name), {
        durable: v.durable === 'true',
        auto_delete: v.auto_delete === 'true',
        arguments: args,
      });
      await list.refresh();
      return `Queue ${v.name} declared.`;
    }
  );
  root.append(h('h1', {}, 'Queues and Streams'), section('All queues', list.element), section('Add a new queue', add));
  return { refresh: list.refresh };
}
