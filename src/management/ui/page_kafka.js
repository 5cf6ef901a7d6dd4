// Kafka: the topics (each opens onto its partitions' offsets and its configs) and the
// consumer groups, both read-only lists of /api/polymq (changed through Kafka's own requests).
import { h, section, facts, table, link, fmtNumber } from './dom.js';
import { pagedList } from './list.js';

function partitions(topic) {
  return h(
    'div',
    { class: 'detail' },
    table(
      [
        { label: 'Partition', value: (p) => fmtNumber(p.partition), className: 'num' },
        { label: 'Log start offset', value: (p) => fmtNumber(p.log_start_offset), className: 'num log-start' },
        { label: 'High watermark', value: (p) => fmtNumber(p.high_watermark), className: 'num high-watermark' },
        { label: 'Log end offset', value: (p) => fmtNumber(p.log_end_offset), className: 'num log-end' },
      ],
      topic.partitions,
      { empty: 'No partitions.', rowAttrs: (p) => ({ dataset: { partition: p.partition } }) }
    ),
    Object.keys(topic.configs || {}).length
      ? facts(Object.entries(topic.configs).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
      : h('p', { class: 'hint' }, 'All configs at their defaults.')
  );
}

export function mount(root) {
  const topics = pagedList(
    'kafka-topics',
    () => '/polymq/kafka/topics',
    [
      { label: 'Virtual host', value: (t) => t.vhost, sort: 'vhost' },
      {
        label: 'Name',
        value: (t) => [t.name, t.internal ? [' ', h('abbr', { title: 'internal' }, 'I')] : null],
        sort: 'name',
        className: 'name',
      },
      { label: 'Partitions', value: (t) => fmtNumber(t.partition_count), sort: 'partition_count', className: 'num partitions' },
      { label: 'Messages', value: (t) => fmtNumber(t.messages), sort: 'messages', className: 'num messages' },
    ],
    { what: 'topics', detail: partitions }
  );
  const groups = pagedList(
    'kafka-groups',
    () => '/polymq/kafka/groups',
    [
      { label: 'Virtual host', value: (g) => g.vhost, sort: 'vhost' },
      { label: 'Group', value: (g) => link(['kafka', 'groups', g.vhost, g.name], g.name), sort: 'name', className: 'name' },
      { label: 'State', value: (g) => g.state, sort: 'state', className: 'state' },
      { label: 'Members', value: (g) => fmtNumber((g.members || []).length), className: 'num members' },
      { label: 'Protocol', value: (g) => [g.protocol_type, g.protocol].filter(Boolean).join(' / '), sort: 'protocol' },
      { label: 'Total lag', value: (g) => fmtNumber(g.lag), sort: 'lag', className: 'num lag' },
    ],
    { what: 'consumer groups' }
  );
  root.append(h('h1', {}, 'Kafka'), section('Topics', topics.element), section('Consumer groups', groups.element));
  return { refresh: () => Promise.all([topics.refresh(), groups.refresh()]) };
}
