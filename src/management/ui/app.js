// The management UI's shell: login, hash routes (#/queues/%2F/q1), and the 5-second poll
// that refreshes the page on screen and samples /api/overview for the overview's charts.
import { api, clearCredentials, currentUser, loggedIn, setCredentials, whenLoggedOut } from './api.js';
import { h, fill, form } from './dom.js';
import * as overview from './page_overview.js';
import * as queues from './page_queues.js';
import * as queue from './page_queue.js';
import * as exchanges from './page_exchanges.js';
import * as connections from './page_connections.js';
import * as admin from './page_admin.js';
import * as policies from './page_policies.js';
import * as kafka from './page_kafka.js';
import * as kafkaGroup from './page_kafka_group.js';
import * as sqs from './page_sqs.js';

const POLL_MS = 5000;
const main = document.getElementById('main');
const status = document.getElementById('status');

// What pages share: the vhosts (for selects), a way to refresh now, the overview samples.
const ctx = {
  vhosts: ['/'],
  exchangeTypes: ['direct', 'fanout', 'headers', 'topic'],
  history: overview.history,
  refresh: () => tick(true),
  async loadVhosts() {
    const list = await api('GET', '/vhosts');
    ctx.vhosts = list.map((v) => v.name);
  },
  // The tabs of the other protocols (nav links with data-catalogs) show only when
  // /api/polymq serves one of their catalogs, i.e. when their listener is on.
  async loadCatalogs() {
    const served = new Set((await api('GET', '/polymq')).map((c) => c.name));
    for (const a of document.querySelectorAll('#nav a[data-catalogs]')) {
      a.hidden = !a.dataset.catalogs.split(' ').some((name) => served.has(name));
    }
  },
};

// [pattern of segments, tab, mount]; a pattern segment ':x' takes any one segment.
const ROUTES = [
  [[], 'overview', overview.mount],
  [['queues'], 'queues', queues.mount],
  [['queues', ':vhost', ':name'], 'queues', queue.mount],
  [['exchanges'], 'exchanges', exchanges.mount],
  [['exchanges', ':vhost', ':name'], 'exchanges', exchanges.mountDetail],
  [['connections'], 'connections', connections.mount],
  [['channels'], 'channels', connections.mountChannels],
  [['users'], 'admin', admin.mountUsers],
  [['vhosts'], 'admin', admin.mountVhosts],
  [['policies'], 'admin', policies.mount],
  [['definitions'], 'admin', admin.mountDefinitions],
  [['kafka'], 'kafka', kafka.mount],
  [['kafka', 'groups', ':vhost', ':name'], 'kafka', kafkaGroup.mount],
  [['sqs'], 'sqs', sqs.mount],
];

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  if (!raw) return [];
  try {
    return raw.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
}

function match(segments) {
  if (segments === null) return null;
  for (const [pattern, tab, mount] of ROUTES) {
    if (pattern.length !== segments.length) continue;
    const params = {};
    if (pattern.every((p, i) => (p.startsWith(':') ? ((params[p.slice(1)] = segments[i]), true) : p === segments[i]))) {
      return { tab, mount, params };
    }
  }
  return null;
}

let page = null; // {refresh} of the page on screen
let pageSeq = 0;

function showStatus(text) {
  status.textContent = text || '';
  status.hidden = !text;
}

async function render() {
  pageSeq += 1;
  page = null;
  showStatus('');
  if (!loggedIn()) return showLogin();
  document.getElementById('nav').hidden = false;
  document.getElementById('session').hidden = false;
  document.getElementById('whoami').textContent = currentUser();
  const found = match(parseHash());
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', found !== null && a.dataset.tab === found.tab);
  }
  if (!found) {
    fill(main, h('h1', {}, 'Not found'), h('p', {}, 'No page has this address. '), h('a', { href: '#/' }, 'Overview'));
    return;
  }
  fill(main);
  page = found.mount(main, found.params, ctx);
  await tick(true);
}

let polling = false;
async function tick(pageOnly = false) {
  if (!loggedIn()) return;
  const jobs = [];
  if (!pageOnly) jobs.push(overview.sample().catch(() => {}));
  if (page && page.refresh) {
    const mine = pageSeq;
    jobs.push(
      page.refresh().then(
        () => mine === pageSeq && showStatus(''),
        (err) => mine === pageSeq && showStatus(err.message)
      )
    );
  }
  await Promise.all(jobs);
  const last = overview.history.latest();
  if (last) {
    document.getElementById('node').textContent = last.node || '';
    document.getElementById('version').textContent = last.product_version ? `v${last.product_version}` : '';
  }
}

async function poll() {
  // A tab in the background asks nothing; the next tick after it shows again catches up.
  if (polling || document.hidden) return;
  polling = true;
  try {
    await tick();
  } finally {
    polling = false;
  }
}

function showLogin(reason = '') {
  document.getElementById('nav').hidden = true;
  document.getElementById('session').hidden = true;
  const login = form(
    'login',
    [
      { name: 'username', label: 'Username', required: true, autocomplete: 'username' },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
    ],
    'Log in',
    async ({ username, password }) => {
      setCredentials(username, password);
      try {
        await api('GET', '/whoami', undefined, { login: true });
      } catch (err) {
        clearCredentials();
        throw err;
      }
      await ctx.loadVhosts().catch(() => {});
      ctx.loadCatalogs().catch(() => {});
      overview.sample().catch(() => {});
      render();
      return '';
    }
  );
  const error = login.querySelector('.form-error');
  error.id = 'login-error';
  if (reason) error.show(reason);
  fill(main, h('div', { class: 'login box' }, h('h1', {}, 'PolyMQ Management'), login));
  login.querySelector('input').focus();
}

whenLoggedOut((err) => showLogin(err.message === 'Login failed' ? 'Login failed: log in again.' : err.message));
document.getElementById('logout').addEventListener('click', () => {
  clearCredentials();
  overview.history.clear();
  showLogin();
});
window.addEventListener('hashchange', render);
setInterval(poll, POLL_MS);
if (loggedIn()) {
  ctx.loadVhosts().catch(() => {});
  ctx.loadCatalogs().catch(() => {});
  overview.sample().catch(() => {});
}
render();
