'use strict';
// The management web UI in headless Chromium (puppeteer-core): logging in, a queue's counts
// following publishes live, purging from the UI, the API's errors shown on bad input, a
// failed login, and names shown as text.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const amqp = require('amqplib');
const { TEST_OPTIONS, apiCall, login, openPage, startUiBroker, waitForText } = require('../lib/ui_helpers');

async function amqpChannel(t, broker) {
  const connection = await amqp.connect({ hostname: '127.0.0.1', port: broker.port, username: 'guest', password: 'guest' });
  t.after(() => connection.close().catch(() => {}));
  return connection.createConfirmChannel();
}

async function publish(channel, queue, count) {
  for (let i = 0; i < count; i++) channel.sendToQueue(queue, Buffer.from(`message ${i}`), { persistent: true });
  await channel.waitForConfirms();
}

async function loggedIn(page) {
  await page.waitForSelector('#nav:not([hidden])');
}

test('static files: / is the page, unknown paths 404, the API still asks for credentials', TEST_OPTIONS, async (t) => {
  const broker = await startUiBroker(t);
  const index = await fetch(broker.managementUrl);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.match(await index.text(), /<title>PolyMQ Management<\/title>/);
  const script = await fetch(`${broker.managementUrl}app.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type'), /^text\/javascript/);
  const again = await fetch(`${broker.managementUrl}app.js`, { headers: { 'If-None-Match': script.headers.get('etag') } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${broker.managementUrl}nothing.js`)).status, 404);
  assert.equal((await fetch(`${broker.managementUrl}api/overview`)).status, 401);
});

test('a queue: its count follows publishes live, and the UI purges it', TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const broker = await startUiBroker(t);
  const channel = await amqpChannel(t, broker);
  await channel.assertQueue('ui-orders', { durable: true });
  await publish(channel, 'ui-orders', 3);

  await login(page, broker);
  await loggedIn(page);
  assert.equal(await page.$eval('#whoami', (el) => el.textContent), 'guest');

  await page.goto(`${broker.managementUrl}#/queues`);
  const total = '#queues-table tr[data-name="ui-orders"] td.total';
  await waitForText(page, total, (text) => text === '3', 'queue list total');
  await publish(channel, 'ui-orders', 2); // the next poll shows it, without a reload
  await waitForText(page, total, (text) => text === '5', 'queue list total after publishing');
  // Rates are numbers (0 or more) in every queue row.
  const incoming = await page.$eval('#queues-table tr[data-name="ui-orders"] td.incoming', (el) => el.textContent);
  assert.match(incoming, /^[0-9.,]+$/);

  await page.click('#queues-table tr[data-name="ui-orders"] td.name a');
  await waitForText(page, '#queue-messages', (text) => text === '5', 'queue page total');
  await publish(channel, 'ui-orders', 1);
  await waitForText(page, '#queue-messages', (text) => text === '6', 'queue page total after publishing');
  assert.equal(await page.$eval('#queue-ready', (el) => el.textContent), '6');
  // The queue's counters since it was declared, each with its rate.
  await waitForText(page, '#queue-publish', (text) => /^6 \([0-9.,]+\/s\)$/.test(text), 'published counter');
  assert.match(await page.$eval('#queue-deliver_get', (el) => el.textContent), /^0 \(/);

  await page.click('#purge');
  await waitForText(page, '#queue-messages', (text) => text === '0', 'queue page total after the purge');
  const { status, body } = await apiCall(broker, 'GET', '/queues/%2F/ui-orders');
  assert.equal(status, 200);
  assert.equal(body.messages, 0);
  assert.deepEqual(page.problems, []);
});

test('the queue page publishes and gets a message through the API', TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const broker = await startUiBroker(t);
  assert.equal((await apiCall(broker, 'PUT', '/queues/%2F/ui-inbox', { durable: true })).status, 201);
  await login(page, broker);
  await loggedIn(page);
  await page.goto(`${broker.managementUrl}#/queues/%2F/ui-inbox`);
  await waitForText(page, '#queue-messages', (text) => text === '0');
  await page.type('#f-publish-payload', 'hello from the browser');
  await page.click('#form-publish button[type=submit]');
  await waitForText(page, '#form-publish .form-ok', (text) => text === 'Message published.');
  await waitForText(page, '#queue-messages', (text) => text === '1', 'total after publishing');
  await page.click('#form-get button[type=submit]');
  await waitForText(page, '#got-messages pre.payload', (text) => text === 'hello from the browser');
  // The default ack mode requeues.
  assert.equal((await apiCall(broker, 'GET', '/queues/%2F/ui-inbox')).body.messages, 1);
  assert.deepEqual(page.problems, []);
});

test("a bad form shows the API's reason", TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const broker = await startUiBroker(t);
  await login(page, broker);
  await loggedIn(page);
  await page.goto(`${broker.managementUrl}#/queues`);
  await page.waitForSelector('#form-add-queue');

  // A reserved name: RabbitMQ's 401 "Access refused." is shown, and the session stays.
  await page.type('#f-add-queue-name', 'amq.mine');
  await page.click('#form-add-queue button[type=submit]');
  await waitForText(page, '#form-add-queue .form-error', (text) => text === 'Access refused.');
  assert.equal(await page.$eval('#nav', (el) => el.hidden), false);

  // An argument of the wrong type: the declaration's error text.
  await page.$eval('#f-add-queue-name', (el) => (el.value = ''));
  await page.type('#f-add-queue-name', 'ui-bad-args');
  await page.type('#f-add-queue-arguments', 'x-max-length = "many"');
  await page.click('#form-add-queue button[type=submit]');
  const reason = await waitForText(page, '#form-add-queue .form-error', (text) => text !== '' && text !== 'Access refused.');
  assert.match(reason, /x-max-length/);
  assert.equal((await apiCall(broker, 'GET', '/queues/%2F/ui-bad-args')).status, 404);

  // A good one is declared.
  await page.$eval('#f-add-queue-arguments', (el) => (el.value = 'x-max-length = 10'));
  await page.click('#form-add-queue button[type=submit]');
  await waitForText(page, '#form-add-queue .form-ok', (text) => text === 'Queue ui-bad-args declared.');
  const { body } = await apiCall(broker, 'GET', '/queues/%2F/ui-bad-args');
  assert.deepEqual(body.arguments, { 'x-max-length': 10 });

  // A policy the API refuses (a pattern that is no regular expression): whatever the API
  // answers, its reason is shown and nothing is set.
  await page.goto(`${broker.managementUrl}#/policies`);
  await page.waitForSelector('#form-add-policy');
  await page.type('#f-add-policy-name', 'ui-bad-policy');
  await page.type('#f-add-policy-pattern', '(');
  await page.type('#f-add-policy-definition', 'max-length = 1');
  await page.click('#form-add-policy button[type=submit]');
  const policyReason = await waitForText(page, '#form-add-policy .form-error', (text) => text !== '');
  const policy = await apiCall(broker, 'GET', '/policies/%2F/ui-bad-policy');
  assert.notEqual(policy.status, 200, `the policy was set although the page showed ${policyReason}`);
  assert.equal(await page.$eval('#form-add-policy .form-ok', (el) => el.textContent), '');
  assert.deepEqual(page.problems, []);
});

test('a wrong password shows the login error', TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const broker = await startUiBroker(t);
  await login(page, broker, 'guest', 'wrong');
  await waitForText(page, '#login-error', (text) => text === 'Login failed');
  assert.equal(await page.$eval('#nav', (el) => el.hidden), true);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('polymq.auth')), null);
});

test('names are shown as text, never as markup', TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const broker = await startUiBroker(t);
  const name = '<img src=x onerror="window.injected=1"><b>bold</b>';
  assert.equal((await apiCall(broker, 'PUT', `/queues/%2F/${encodeURIComponent(name)}`, {})).status, 201);
  await login(page, broker);
  await loggedIn(page);
  await page.goto(`${broker.managementUrl}#/queues`);
  await waitForText(page, '#queues-table td.name', (text) => text === name);
  assert.equal(await page.$('#queues-table td.name b'), null);
  assert.equal(await page.$('#queues-table td.name img'), null);
  assert.equal(await page.evaluate(() => window.injected), undefined);
});
