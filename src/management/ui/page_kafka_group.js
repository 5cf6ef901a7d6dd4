// One Kafka consumer group, as `kafka-consumer-groups.sh --describe` shows it: its state,
// its members with the partitions assigned to them, and its committed offsets with their lag.
import { api, path, ApiError } from './api.js';
import { h, fill, facts, section, table, link, fmtNumber, fmtTime } from './dom.js';

// "orders: 0, 1; audit: 2" from [{topic, partitions}]; null (not the consumer protocol) is ''.
function assignment(member) {
  if (!Array.isArray(member.assignment)) return '';
  return member.assignment.map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ');
}

export function mount(root, { vhost, name }) {
  const details = h('div', { id: 'group-details' });
  const members = h('div', { id: 'group-members' });
  const offsets = h('div', { id: 'group-offsets' });
  root.append(
    h('h1', {}, 'Consumer group ', h('span', { class: 'object-name' }, name), h('small', {}, ` in virtual host ${vhost}`)),
    h('p', {}, link(['kafka'], '\u2190 Kafka')),
    section('Details', details),
    section('Members', members),
    section('Committed offsets', offsets)
  );

  async function refresh() {
    let g;
    try {
      g = await api('GET', path('polymq', 'kafka', 'groups', vhost, name));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        fill(details, h('p', { class: 'alarm' }, 'This consumer group does not exist (any more).'));
        fill(members);
        fill(offsets);
        return;
      }
      throw err;
    }
    fill(
      details,
      facts([
        ['State', g.state, 'group-state'],
        ['Protocol type', g.protocol_type],
        ['Assignor', g.protocol],
        ['Generation', fmtNumber(g.generation), 'group-generation'],
        ['Leader', g.leader],
        ['Members', fmtNumber(g.members.length), 'group-member-count'],
        ['Total lag', fmtNumber(g.lag), 'group-lag'],
      ])
    );
    fill(
      members,
      table(
        [
          { label: 'Member id', value: (m) => m.member_id, className: 'name' },
          { label: 'Instance id', value: (m) => m.group_instance_id ?? '' },
          { label: 'Client id', value: (m) => m.client_id },
          { label: 'Host', value: (m) => m.client_host },
          { label: 'Assigned partitions', value: assignment, className: 'assignment' },
        ],
        g.members,
        { empty: 'No members.' }
      )
    );
    fill(
      offsets,
      table(
        [
          { label: 'Topic', value: (o) => o.topic, className: 'name' },
          { label: 'Partition', value: (o) => fmtNumber(o.partition), className: 'num' },
          { label: 'Committed offset', value: (o) => fmtNumber(o.committed_offset), className: 'num committed' },
          {
            label: 'High watermark',
            value: (o) => (o.high_watermark === null ? 'gone' : fmtNumber(o.high_watermark)),
            className: 'num high-watermark',
          },
          { label: 'Lag', value: (o) => fmtNumber(o.lag), className: 'num lag' },
          { label: 'Committed at', value: (o) => fmtTime(o.commit_timestamp) },
          { label: 'Metadata', value: (o) => o.metadata ?? '' },
        ],
        g.offsets,
        { empty: 'No committed offsets.', rowAttrs: (o) => ({ dataset: { topic: o.topic, partition: o.partition } }) }
      )
    );
  }
  return { refresh };
}
