// SQS queues, SNS topics and SNS subscriptions: read-only lists of /api/polymq (changed
// through SQS and SNS actions).
import { h, section, fmtNumber } from './dom.js';
import { pagedList } from './list.js';

const yesNo = (b) => (b ? 'yes' : 'no');

// An SQS attribute (GetQueueAttributes answers strings) as a number. Not sortable by the API:
// it would order the strings bytewise ("10" before "9").
function attribute(label, name, className, unit = '') {
  return {
    label,
    value: (q) => {
      const v = q.attributes?.[name];
      return v === undefined ? '' : `${fmtNumber(Number(v))}${unit}`;
    },
    className: `num ${className}`,
  };
}

function count(label, field, className) {
  return { label, value: (t) => fmtNumber(t[field]), sort: field, className: `num ${className}` };
}

function filterPolicy(s) {
  if (s.filter_policy === undefined) return '';
  const policy = typeof s.filter_policy === 'string' ? s.filter_policy : JSON.stringify(s.filter_policy);
  return h('code', { title: `scope: ${s.filter_policy_scope}` }, policy);
}

export function mount(root) {
  const queues = pagedList(
    'sqs-queues',
    () => '/polymq/sqs/queues',
    [
      { label: 'Name', value: (q) => h('span', { title: q.url_path }, q.name), sort: 'name', className: 'name' },
      { label: 'FIFO', value: (q) => yesNo(q.fifo), sort: 'fifo', className: 'fifo' },
      attribute('Available', 'ApproximateNumberOfMessages', 'available'),
      attribute('In flight', 'ApproximateNumberOfMessagesNotVisible', 'in-flight'),
      attribute('Delayed', 'ApproximateNumberOfMessagesDelayed', 'delayed'),
      attribute('Visibility timeout', 'VisibilityTimeout', 'visibility', ' s'),
      { label: 'Dead-letter queue', value: (q) => q.dead_letter_queue ?? '', sort: 'dead_letter_queue', className: 'dlq' },
    ],
    { what: 'queues' }
  );
  const topics = pagedList(
    'sns-topics',
    () => '/polymq/sns/topics',
    [
      { label: 'Name', value: (t) => t.name, sort: 'name', className: 'name' },
      { label: 'FIFO', value: (t) => yesNo(t.fifo), sort: 'fifo', className: 'fifo' },
      { label: 'Display name', value: (t) => t.attributes?.DisplayName ?? '' },
      count('Confirmed subscriptions', 'subscriptions_confirmed', 'confirmed'),
      count('Pending subscriptions', 'subscriptions_pending', 'pending'),
    ],
    { what: 'topics' }
  );
  const subscriptions = pagedList(
    'sns-subscriptions',
    () => '/polymq/sns/subscriptions',
    [
      { label: 'Topic', value: (s) => s.topic, sort: 'topic', className: 'topic' },
      { label: 'Id', value: (s) => s.name, sort: 'name', className: 'name' },
      { label: 'Protocol', value: (s) => s.protocol, sort: 'protocol', className: 'protocol' },
      { label: 'Endpoint', value: (s) => s.endpoint, sort: 'endpoint', className: 'endpoint' },
      {
        label: 'Status',
        value: (s) => (s.pending_confirmation ? 'pending confirmation' : 'confirmed'),
        sort: 'pending_confirmation',
        className: 'confirmation',
      },
      { label: 'Raw', value: (s) => yesNo(s.raw_message_delivery), sort: 'raw_message_delivery', className: 'raw' },
      { label: 'Filter policy', value: filterPolicy, className: 'filter-policy' },
    ],
    { what: 'subscriptions', sort: 'topic' }
  );
  root.append(
    h('h1', {}, 'SQS and SNS'),
    section('SQS queues', queues.element),
    section('SNS topics', topics.element),
    section('SNS subscriptions', subscriptions.element)
  );
  return { refresh: () => Promise.all([queues.refresh(), topics.refresh(), subscriptions.refresh()]) };
}
