// Connections (closable) and channels, paged by the API.
import { api, path } from './api.js';
import { h, section, errorLine, actionButton, fmtNumber, fmtBytes, fmtTime } from './dom.js';
import { pagedList } from './list.js';

function client(c) {
  const p = c.client_properties || {};
  return [p.product, p.version].filter((x) => typeof x === 'string').join(' ');
}

export function mount(root) {
  const closeError = errorLine();
  let list;
  list = pagedList(
    'connections',
    () => '/connections',
    [
      { label: 'Virtual host', value: (c) => c.vhost, sort: 'vhost' },
      { label: 'Name', value: (c) => c.name, sort: 'name', className: 'name' },
      { label: 'User', value: (c) => c.user, sort: 'user' },
      { label: 'State', value: (c) => c.state, sort: 'state' },
      { label: 'Protocol', value: (c) => c.protocol, sort: 'protocol' },
      { label: 'Client', value: client },
      { label: 'Channels', value: (c) => fmtNumber(c.channels), sort: 'channels', className: 'num' },
      { label: 'From client', value: (c) => fmtBytes(c.recv_oct), sort: 'recv_oct', className: 'num' },
      { label: 'To client', value: (c) => fmtBytes(c.send_oct), sort: 'send_oct', className: 'num' },
      { label: 'Connected at', value: (c) => fmtTime(c.connected_at), sort: 'connected_at' },
      {
        label: '',
        value: (c) =>
          actionButton('Close', `Close connection ${c.name}?`, async () => {
            await api('DELETE', path('connections', c.name), undefined, { headers: { 'X-Reason': 'Closed via management UI' } });
            await list.refresh();
          }, closeError),
      },
    ],
    { what: 'connections' }
  );
  root.append(h('h1', {}, 'Connections'), section('All connections', closeError, list.element));
  return { refresh: list.refresh };
}

export function mountChannels(root) {
  const list = pagedList(
    'channels',
    () => '/channels',
    [
      { label: 'Virtual host', value: (c) => c.vhost, sort: 'vhost' },
      { label: 'Channel', value: (c) => c.name, sort: 'name', className: 'name' },
      { label: 'User', value: (c) => c.user, sort: 'user' },
      { label: 'Mode', value: (c) => [c.confirm ? 'C' : '', c.transactional ? 'T' : ''].join(' ') },
      { label: 'State', value: (c) => c.state, sort: 'state' },
      { label: 'Consumers', value: (c) => fmtNumber(c.consumer_count), sort: 'consumer_count', className: 'num' },
      { label: 'Prefetch', value: (c) => fmtNumber(c.prefetch_count), sort: 'prefetch_count', className: 'num' },
      { label: 'Unacked', value: (c) => fmtNumber(c.messages_unacknowledged), sort: 'messages_unacknowledged', className: 'num' },
    ],
    { what: 'channels' }
  );
  root.append(h('h1', {}, 'Channels'), section('All channels', list.element));
  return { refresh: list.refresh };
}
