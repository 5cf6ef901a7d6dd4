// Admin: users and their permissions, virtual hosts, definitions export and import.
import { api, path } from './api.js';
import { h, fill, section, table, form, errorLine, actionButton, fmtNumber } from './dom.js';

export function adminTabs(current) {
  const tabs = [
    ['users', 'Users'],
    ['vhosts', 'Virtual Hosts'],
    ['policies', 'Policies'],
    ['definitions', 'Definitions'],
  ];
  return h(
    'nav',
    { class: 'subnav' },
    tabs.map(([id, label]) => h('a', { href: `#/${id}`, class: id === current ? 'active' : null }, label))
  );
}

export function mountUsers(root, _params, ctx) {
  const users = h('div', { id: 'users' });
  const permissions = h('div', { id: 'permissions' });
  const rowError = errorLine();
  const addUser = form(
    'add-user',
    [
      { name: 'name', label: 'Username', required: true },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password' },
      { name: 'tags', label: 'Tags', placeholder: 'administrator, monitoring, policymaker, management' },
    ],
    'Add user',
    async (v) => {
      await api('PUT', path('users', v.name), { password: v.password, tags: v.tags });
      await ctx.refresh();
      return `User ${v.name} added.`;
    }
  );
  const setPermission = form(
    'set-permission',
    [
      { name: 'user', label: 'User', required: true },
      { name: 'vhost', label: 'Virtual host', type: 'select', options: ctx.vhosts },
      { name: 'configure', label: 'Configure regexp', value: '.*' },
      { name: 'write', label: 'Write regexp', value: '.*' },
      { name: 'read', label: 'Read regexp', value: '.*' },
    ],
    'Set permission',
    async (v) => {
      await api('PUT', path('permissions', v.vhost, v.user), { configure: v.configure, write: v.write, read: v.read });
      await ctx.refresh();
      return 'Permission set.';
    }
  );
  root.append(
    h('h1', {}, 'Admin'),
    adminTabs('users'),
    section('Users', rowError, users),
    section('Add a user', addUser),
    section('Permissions', permissions),
    section('Set permission', setPermission)
  );

  async function refresh() {
    const [us, ps] = await Promise.all([api('GET', '/users'), api('GET', '/permissions')]);
    fill(
      users,
      table(
        [
          { label: 'Name', value: (u) => u.name, className: 'name' },
          { label: 'Tags', value: (u) => (Array.isArray(u.tags) ? u.tags.join(', ') : u.tags) },
          { label: 'Can access virtual hosts', value: (u) => ps.filter((p) => p.user === u.name).map((p) => p.vhost).join(', ') || 'No access' },
          {
            label: '',
            value: (u) =>
              actionButton('Delete', `Delete user ${u.name}?`, async () => {
                await api('DELETE', path('users', u.name));
                await refresh();
              }, rowError),
          },
        ],
        us,
        { rowAttrs: (u) => ({ dataset: { name: u.name } }) }
      )
    );
    fill(
      permissions,
      table(
        [
          { label: 'User', value: (p) => p.user },
          { label: 'Virtual host', value: (p) => p.vhost },
          { label: 'Configure', value: (p) => p.configure },
          { label: 'Write', value: (p) => p.write },
          { label: 'Read', value: (p) => p.read },
          {
            label: '',
            value: (p) =>
              actionButton('Clear', `Clear the permissions of ${p.user} on ${p.vhost}?`, async () => {
                await api('DELETE', path('permissions', p.vhost, p.user));
                await refresh();
              }, rowError),
          },
        ],
        ps,
        { empty: 'No permissions.' }
      )
    );
  }
  return { refresh };
}

export function mountVhosts(root, _params, ctx) {
  const vhosts = h('div', { id: 'vhosts' });
  const rowError = errorLine();
  const add = form('add-vhost', [{ name: 'name', label: 'Name', required: true }], 'Add virtual host', async (v) => {
    await api('PUT', path('vhosts', v.name));
    await ctx.loadVhosts();
    await refresh();
    return `Virtual host ${v.name} added.`;
  });
  root.append(h('h1', {}, 'Admin'), adminTabs('vhosts'), section('Virtual hosts', rowError, vhosts), section('Add a new virtual host', add));

  async function refresh() {
    const list = await api('GET', '/vhosts');
    ctx.vhosts = list.map((v) => v.name);
    fill(
      vhosts,
      table(
        [
          { label: 'Name', value: (v) => v.name, className: 'name' },
          { label: 'Ready', value: (v) => fmtNumber(v.messages_ready), className: 'num' },
          { label: 'Unacked', value: (v) => fmtNumber(v.messages_unacknowledged), className: 'num' },
          { label: 'Total', value: (v) => fmtNumber(v.messages), className: 'num' },
          {
            label: '',
            value: (v) =>
              actionButton('Delete', `Delete virtual host ${v.name} and everything in it?`, async () => {
                await api('DELETE', path('vhosts', v.name));
                await ctx.loadVhosts();
                await refresh();
              }, rowError),
          },
        ],
        list,
        { rowAttrs: (v) => ({ dataset: { name: v.name } }) }
      )
    );
  }
  return { refresh };
}

export function mountDefinitions(root, _params, ctx) {
  const exportError = errorLine();
  const download = h('button', { type: 'button', id: 'export-definitions' }, 'Download broker definitions');
  download.addEventListener('click', async () => {
    exportError.show('');
    try {
      const defs = await api('GET', '/definitions');
      const blob = new Blob([JSON.stringify(defs, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `polymq-definitions-${new Date().toISOString().slice(0, 10)}.json` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      exportError.show(err.message);
    }
  });
  const upload = form(
    'import-definitions',
    [{ name: 'file', label: 'Definitions file', type: 'file', accept: 'application/json,.json' }],
    'Upload broker definitions',
    async (v) => {
      if (!v.file) throw new Error('Choose a definitions file first.');
      const text = await v.file.text();
      await api('POST', '/definitions', undefined, { rawBody: text });
      await ctx.loadVhosts();
      return 'Definitions imported.';
    }
  );
  root.append(
    h('h1', {}, 'Admin'),
    adminTabs('definitions'),
    section('Export definitions', h('p', {}, 'Users, virtual hosts, permissions, exchanges, queues and bindings, as JSON.'), download, exportError),
    section('Import definitions', upload)
  );
  return { refresh: async () => {} };
}
