'use strict';
// Every page of the management web UI renders from the live API without a script error,
// and the queue list pages, sorts and filters on the server.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const amqp = require('amqplib');
const { TEST_OPTIONS, apiCall, login, openPage, startUiBroker, waitForText } = require('../lib/ui_helpers');

test('every page renders', TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const broker = await startUiBroker(t);
  // Something to show: a connection with a channel, an exchange bound to a queue.
  const connection = await amqp.connect({ hostname: '127.0.0.1', port: broker.port, username: 'guest', password: 'guest' });
  t.after(() => connection.close().catch(() => {}));
  const channel = await connection.createChannel();
  await channel.assertExchange('ui-events', 'topic');
  await channel.assertQueue('ui-audit');
  await channel.bindQueue('ui-audit', 'ui-events', 'audit.#');

  await login(page, broker);
  await page.waitForSelector('#nav:not([hidden])');
  const pages = [
    ['#/', '#alarms', (text) => text === 'No alarms in effect.'],
    ['#/connections', '#connections-table td.name', (text) => text.includes('->')],
    ['#/channels', '#channels-table td.name', (text) => text.endsWith('(1)')],
    ['#/exchanges', '#exchanges-table tr[data-name="ui-events"] td.name', (text) => text === 'ui-events'],
    ['#/exchanges/%2F/ui-events', '#exchange-bindings td a', (text) => text === 'ui-audit'],
    ['#/queues/%2F/ui-audit', '#queue-bindings td a', (text) => text === 'ui-events'],
    ['#/users', '#users tr[data-name="guest"] td.name', (text) => text === 'guest'],
    ['#/vhosts', '#vhosts tr[data-name="/"] td.name', (text) => text === '/'],
    ['#/definitions', '#export-definitions', (text) => text === 'Download broker definitions'],
    ['#/policies', '#form-add-policy button', (text) => text === 'Add / update policy'],
  ];
  for (const [hash, selector, predicate] of pages) {
    await page.goto(`${broker.managementUrl}${hash}`);
    await waitForText(page, selector, predicate, hash);
    assert.equal(await page.$eval('#status', (el) => el.hidden), true, `${hash}: ${await page.$eval('#status', (el) => el.textContent)}`);
  }
  // No Kafka or SQS listener: /api/polymq lists no catalog, so neither tab shows.
  assert.deepEqual((await apiCall(broker, 'GET', '/polymq')).body, []);
  assert.deepEqual(await page.$$eval('#nav a[data-catalogs]', (as) => as.map((a) => a.hidden)), [true, true]);
  // The overview's charts have a line once two samples were taken (5 s apart).
  await page.goto(`${broker.managementUrl}#/`);
  await page.waitForSelector('#chart-queued polyline', { timeout: 30000 });
  assert.deepEqual(page.problems, []);
});

test('the queue list pages, sorts and filters on the server', TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const broker = await startUiBroker(t);
  for (let i = 0; i < 45; i++) {
    const name = `ui-q-${String(i).padStart(2, '0')}`;
    assert.equal((await apiCall(broker, 'PUT', `/queues/%2F/${name}`, {})).status, 201);
  }
  await login(page, broker);
  await page.waitForSelector('#nav:not([hidden])');
  await page.goto(`${broker.managementUrl}#/queues`);
  const names = () => page.$$eval('#queues-table td.name', (tds) => tds.map((td) => td.textContent));
  await waitForText(page, '#queues .page-label', (text) => text === 'Page 1 of 3');
  assert.equal((await names()).length, 20);
  assert.equal((await names())[0], 'ui-q-00');

  await page.click('#queues .page-next');
  await waitForText(page, '#queues .page-label', (text) => text === 'Page 2 of 3');
  assert.equal((await names())[0], 'ui-q-20');

  // Sorting by name again reverses it and goes back to page 1.
  const nameHeader = await page.$$('#queues-table th');
  await nameHeader[1].click();
  await waitForText(page, '#queues-table td.name', (text) => text === 'ui-q-44');
  await waitForText(page, '#queues .page-label', (text) => text === 'Page 1 of 3');

  await page.type('#queues .filter', 'ui-q-1');
  await waitForText(page, '#queues .counts', (text) => text === '10 queues (filtered from 45)');
  assert.deepEqual(await names(), ['ui-q-19', 'ui-q-18', 'ui-q-17', 'ui-q-16', 'ui-q-15', 'ui-q-14', 'ui-q-13', 'ui-q-12', 'ui-q-11', 'ui-q-10']);

  await page.$eval('#queues .filter', (el) => (el.value = ''));
  await page.type('#queues .filter', '^ui-q-(0[05]|40)$');
  await page.click('#queues .regex');
  await waitForText(page, '#queues .counts', (text) => text === '3 queues (filtered from 45)');
  assert.deepEqual(await names(), ['ui-q-40', 'ui-q-05', 'ui-q-00']);
  assert.deepEqual(page.problems, []);
});
