// Policies (RabbitMQ's /api/policies shapes): list, add or replace, delete.
import { api, path } from './api.js';
import { h, fill, section, table, form, errorLine, actionButton, fmtArgs, parseKeyValues } from './dom.js';
import { adminTabs } from './page_admin.js';

export function mount(root, _params, ctx) {
  const list = h('div', { id: 'policies' });
  const listError = errorLine('list-error');
  const rowError = errorLine();
  const add = form(
    'add-policy',
    [
      { name: 'vhost', label: 'Virtual host', type: 'select', options: ctx.vhosts },
      { name: 'name', label: 'Name', required: true },
      { name: 'pattern', label: 'Pattern', required: true, placeholder: '^amq\\.' },
      {
        name: 'apply-to',
        label: 'Apply to',
        type: 'select',
        options: [
          ['all', 'Exchanges and queues'],
          ['exchanges', 'Exchanges'],
          ['queues', 'Queues'],
          ['classic_queues', 'Classic queues'],
          ['quorum_queues', 'Quorum queues'],
          ['streams', 'Streams'],
        ],
      },
      { name: 'priority', label: 'Priority', type: 'number', value: '0' },
      {
        name: 'definition',
        label: 'Definition',
        type: 'textarea',
        placeholder: 'max-length = 1000\ndead-letter-exchange = dlx',
        hint: 'One per line: key = value (numbers and true/false as JSON).',
      },
    ],
    'Add / update policy',
    async (v) => {
      await api('PUT', path('policies', v.vhost, v.name), {
        pattern: v.pattern,
        definition: parseKeyValues(v.definition),
        priority: Number(v.priority || 0),
        'apply-to': v['apply-to'],
      });
      await refresh();
      return `Policy ${v.name} set.`;
    }
  );
  root.append(h('h1', {}, 'Admin'), adminTabs('policies'), section('User policies', listError, rowError, list), section('Add / update a policy', add));

  async function refresh() {
    let policies;
    try {
      policies = await api('GET', '/policies');
    } catch (err) {
      listError.show(`The policies could not be listed: ${err.message}`);
      fill(list);
      return;
    }
    listError.show('');
    fill(
      list,
      table(
        [
          { label: 'Virtual host', value: (p) => p.vhost },
          { label: 'Name', value: (p) => p.name, className: 'name' },
          { label: 'Pattern', value: (p) => p.pattern },
          { label: 'Apply to', value: (p) => p['apply-to'] },
          { label: 'Definition', value: (p) => fmtArgs(p.definition) },
          { label: 'Priority', value: (p) => String(p.priority), className: 'num' },
          {
            label: '',
            value: (p) =>
              actionButton('Delete', `Delete policy ${p.name}?`, async () => {
                await api('DELETE', path('policies', p.vhost, p.name));
                await refresh();
              }, rowError),
          },
        ],
        policies,
        { empty: 'No policies.', rowAttrs: (p) => ({ dataset: { name: p.name } }) }
      )
    );
  }
  return { refresh };
}
