// Overview: totals, message rates and queued messages over the last minutes (sampled from
// /api/overview every 5 s and kept in this tab), nodes, alarms and listeners.
import { api, ApiError } from './api.js';
import { h, fill, facts, section, table, fmtNumber, fmtBytes } from './dom.js';
import { lineChart } from './chart.js';

const SPAN_MS = 10 * 60 * 1000;

// The samples of /api/overview, oldest first, at most SPAN_MS old.
const samples = [];
export const history = {
  latest: () => samples.at(-1),
  clear: () => samples.splice(0),
  all: () => samples,
};

let inflight = null;
/** Takes a sample of /api/overview (one request however many callers ask at once). */
export function sample() {
  const last = samples.at(-1);
  if (last && Date.now() - last.t < 2000) return Promise.resolve(last);
  if (inflight) return inflight;
  inflight = api('GET', '/overview')
    .then((o) => {
      const s = { ...o, t: Date.now() };
      samples.push(s);
      while (samples.length && samples[0].t < s.t - SPAN_MS - 10000) samples.shift();
      return s;
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

// Counters of message_stats shown as rates, as RabbitMQ's overview names them.
const RATES = [
  ['Publish', (m) => m.publish],
  ['Deliver / get', (m) => m.deliver_get],
  ['Redelivered', (m) => m.redeliver],
  ['Consumer ack', (m) => m.ack],
  ['Unroutable', (m) => (m.return_unroutable || 0) + (m.drop_unroutable || 0)],
];

function rateSeries() {
  return RATES.map(([name, pick]) => {
    const points = [];
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1];
      const b = samples[i];
      const va = pick(a.message_stats || {});
      const vb = pick(b.message_stats || {});
      if (typeof va !== 'number' || typeof vb !== 'number' || b.t <= a.t) continue;
      points.push([b.t, Math.max(0, (vb - va) / ((b.t - a.t) / 1000))]);
    }
    return { name, points };
  });
}

function queuedSeries() {
  return [
    ['Ready', 'messages_ready'],
    ['Unacked', 'messages_unacknowledged'],
    ['Total', 'messages'],
  ].map(([name, key]) => ({ name, points: samples.map((s) => [s.t, (s.queue_totals || {})[key] || 0]) }));
}

export function mount(root) {
  const totals = h('div');
  const queued = h('div', { id: 'chart-queued' });
  const rates = h('div', { id: 'chart-rates' });
  const nodes = h('div');
  const alarms = h('div', { id: 'alarms' });
  const listeners = h('div');
  root.append(
    h('h1', {}, 'Overview'),
    section('Totals', totals),
    h('div', { class: 'columns' }, section('Queued messages', queued), section('Message rates (per second)', rates)),
    section('Nodes', nodes),
    section('Alarms', alarms),
    section('Listening ports', listeners)
  );

  async function refresh() {
    const [o, nodeList, health] = await Promise.all([
      sample(),
      api('GET', '/nodes'),
      api('GET', '/health/checks/alarms').catch((err) => {
        if (err instanceof ApiError && err.status === 503 && err.body) return err.body;
        throw err;
      }),
    ]);
    const q = o.queue_totals || {};
    const ot = o.object_totals || {};
    fill(
      totals,
      facts([
        ['Queues', fmtNumber(ot.queues), 'total-queues'],
        ['Exchanges', fmtNumber(ot.exchanges)],
        ['Consumers', fmtNumber(ot.consumers)],
        ['Messages', fmtNumber(q.messages), 'total-messages'],
        ['Ready', fmtNumber(q.messages_ready)],
        ['Unacked', fmtNumber(q.messages_unacknowledged)],
      ])
    );
    const now = Date.now();
    fill(queued, lineChart(queuedSeries(), { spanMs: SPAN_MS, now }));
    fill(rates, lineChart(rateSeries(), { spanMs: SPAN_MS, now, unit: '/s' }));
    fill(
      nodes,
      table(
        [
          { label: 'Name', value: (n) => n.name },
          { label: 'Memory used', value: (n) => fmtBytes(n.mem_used) },
          { label: 'Memory limit', value: (n) => fmtBytes(n.mem_limit) },
          { label: 'Disk free', value: (n) => fmtBytes(n.disk_free) },
          { label: 'Disk free limit', value: (n) => fmtBytes(n.disk_free_limit) },
          { label: 'Uptime', value: (n) => `${Math.floor((n.uptime || 0) / 60000)} min` },
        ],
        nodeList
      )
    );
    if (health.status === 'ok') {
      fill(alarms, h('p', { class: 'ok' }, 'No alarms in effect.'));
    } else {
      fill(
        alarms,
        h('p', { class: 'alarm' }, health.reason || 'Alarms in effect'),
        table(
          [
            { label: 'Node', value: (a) => a.node },
            { label: 'Resource', value: (a) => a.resource },
          ],
          health.alarms || []
        )
      );
    }
    fill(
      listeners,
      table(
        [
          { label: 'Protocol', value: (l) => l.protocol },
          { label: 'Bound to', value: (l) => l.ip_address },
          { label: 'Port', value: (l) => l.port },
        ],
        o.listeners || []
      )
    );
  }
  return { refresh };
}
