'use strict';
// Exchange routing: fanout, topic, headers, and mandatory returns.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Context, Inbox, drain, TEST_OPTIONS } = require('../lib/helpers');

const ctx = new Context('routing');
after(() => ctx.cleanup(), TEST_OPTIONS);

describe('routing', () => {
  test('fanout delivers every message to both bound queues', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('fanout');
    const ch = await ctx.channel(conn);
    const x = ctx.exchange('fanout');
    assert.deepEqual(await ch.assertExchange(x, 'fanout', { durable: false, autoDelete: false }), { exchange: x });
    const q1 = ctx.queue('fanout-a');
    const q2 = ctx.queue('fanout-b');
    const unbound = ctx.queue('fanout-unbound');
    for (const q of [q1, q2, unbound]) {
      await ch.assertQueue(q, { exclusive: true });
    }
    await ch.bindQueue(q1, x, '');
    await ch.bindQueue(q2, x, 'ignored-by-fanout');

    const in1 = new Inbox('q1');
    const in2 = new Inbox('q2');
    await ch.consume(q1, (m) => in1.push(m), { noAck: true });
    await ch.consume(q2, (m) => in2.push(m), { noAck: true });
    const n = 5;
    for (let i = 0; i < n; i++) {
      assert.equal(typeof ch.publish(x, `rk-${i}`, Buffer.from(`event-${i}`)), 'boolean');
    }
    for (const inbox of [in1, in2]) {
      const msgs = await inbox.take(n);
      assert.deepEqual(
        msgs.map((m) => `${m.content}|${m.fields.exchange}|${m.fields.routingKey}`),
        Array.from({ length: n }, (_, i) => `event-${i}|${x}|rk-${i}`),
      );
    }
    assert.deepEqual(await in1.extra(100), []);
    assert.deepEqual(await in2.extra(0), []);
    assert.equal((await ch.checkQueue(unbound)).messageCount, 0);
    await ch.deleteExchange(x);
    await conn.close();
  });

  test('topic routing with * and #', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('topic');
    const ch = await ctx.channel(conn, { confirm: true });
    const x = ctx.exchange('topic');
    await ch.assertExchange(x, 'topic', { durable: false, autoDelete: true });
    const bindings = {
      star: 'stock.*.nyse',
      hash: 'stock.#',
      tailhash: '#.error',
      all: '#',
      exact: 'stock.ibm.nyse',
      midhash: 'a.#.z',
      twostars: '*.*',
    };
    const queues = {};
    for (const [label, pattern] of Object.entries(bindings)) {
      queues[label] = ctx.queue(`topic-${label}`);
      await ch.assertQueue(queues[label], { exclusive: true });
      await ch.bindQueue(queues[label], x, pattern);
    }
    const keys = [
      'stock.ibm.nyse',
      'stock.nyse',
      'stock.ibm.x.nyse',
      'stock',
      'app.db.error',
      'error',
      'stocks.ibm.nyse',
      'a.z',
      'a.b.c.z',
      'a.b.c',
      '',
    ];
    for (const k of keys) {
      ch.publish(x, k, Buffer.from(k));
    }
    await ch.waitForConfirms();
    const expected = {
      star: ['stock.ibm.nyse'],
      hash: ['stock.ibm.nyse', 'stock.nyse', 'stock.ibm.x.nyse', 'stock'],
      tailhash: ['app.db.error', 'error'],
      all: keys,
      exact: ['stock.ibm.nyse'],
      midhash: ['a.z', 'a.b.c.z'],
      twostars: ['stock.nyse', 'a.z'],
    };
    for (const [label, q] of Object.entries(queues)) {
      assert.equal((await ch.checkQueue(q)).messageCount, expected[label].length, `count for '${bindings[label]}'`);
      assert.deepEqual(await drain(ch, q), expected[label], `messages for '${bindings[label]}'`);
    }

    await ch.unbindQueue(queues.star, x, bindings.star);
    ch.publish(x, 'stock.ibm.nyse', Buffer.from('after-unbind'));
    await ch.waitForConfirms();
    assert.equal((await ch.checkQueue(queues.star)).messageCount, 0, 'unbound queue');
    assert.equal((await ch.checkQueue(queues.exact)).messageCount, 1, 'still bound queue');
    await conn.close();
  });

  test('headers exchange with x-match any (and all)', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('headers');
    const ch = await ctx.channel(conn, { confirm: true });
    const x = ctx.exchange('headers');
    await ch.assertExchange(x, 'headers', { durable: false, autoDelete: true });
    const qAny = ctx.queue('headers-any');
    const qAll = ctx.queue('headers-all');
    const qAnyNum = ctx.queue('headers-any-number');
    for (const q of [qAny, qAll, qAnyNum]) {
      await ch.assertQueue(q, { exclusive: true });
    }
    await ch.bindQueue(qAny, x, '', { 'x-match': 'any', format: 'pdf', type: 'report' });
    await ch.bindQueue(qAll, x, '', { 'x-match': 'all', format: 'pdf', type: 'report' });
    await ch.bindQueue(qAnyNum, x, '', { 'x-match': 'any', level: 5 });

    const messages = [
      ['both', { format: 'pdf', type: 'report' }],
      ['format-only', { format: 'pdf' }],
      ['type-only', { type: 'report', extra: 'x' }],
      ['wrong-values', { format: 'zip', type: 'log' }],
      ['none', {}],
      ['no-headers', undefined],
      ['level', { level: 5 }],
      ['level-other', { level: 6 }],
      ['routing-key-ignored', { format: 'pdf', type: 'report' }],
    ];
    for (const [body, headers] of messages) {
      const rk = body === 'routing-key-ignored' ? 'some.key' : '';
      ch.publish(x, rk, Buffer.from(body), headers ? { headers } : {});
    }
    await ch.waitForConfirms();
    assert.deepEqual(await drain(ch, qAny), ['both', 'format-only', 'type-only', 'routing-key-ignored'], 'x-match any');
    assert.deepEqual(await drain(ch, qAll), ['both', 'routing-key-ignored'], 'x-match all');
    assert.deepEqual(await drain(ch, qAnyNum), ['level'], 'x-match any on a numeric header');
    await conn.close();
  });

  test('mandatory publish without a route emits return with 312 NO_ROUTE', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('mandatory');
    const ch = await ctx.channel(conn, { confirm: true });
    const returns = new Inbox('return');
    ch.on('return', (msg) => returns.push(msg));

    const missing = ctx.name('no-such-queue');
    ch.publish('', missing, Buffer.from('nobody home'), {
      mandatory: true,
      messageId: 'lost-1',
      contentType: 'text/plain',
      headers: { attempt: 1 },
    });
    await ch.waitForConfirms();
    // The broker sends basic.return before the confirm of the same message.
    assert.equal(returns.size, 1, 'basic.return arrived before the publisher confirm');
    const ret = await returns.next();
    assert.equal(ret.fields.replyCode, 312);
    assert.equal(ret.fields.replyText, 'NO_ROUTE');
    assert.equal(ret.fields.exchange, '');
    assert.equal(ret.fields.routingKey, missing);
    assert.equal(ret.content.toString(), 'nobody home');
    assert.equal(ret.properties.messageId, 'lost-1');
    assert.equal(ret.properties.contentType, 'text/plain');
    assert.deepEqual(ret.properties.headers, { attempt: 1 });

    const x = ctx.exchange('mandatory-direct');
    await ch.assertExchange(x, 'direct', { autoDelete: true });
    ch.publish(x, 'nowhere', Buffer.from('second'), { mandatory: true });
    const ret2 = await returns.next('second return');
    assert.equal(ret2.fields.replyCode, 312);
    assert.equal(ret2.fields.replyText, 'NO_ROUTE');
    assert.equal(ret2.fields.exchange, x);
    assert.equal(ret2.fields.routingKey, 'nowhere');
    await ch.waitForConfirms();

    // Routable mandatory and unroutable non-mandatory messages are not returned.
    const q = ctx.queue('mandatory-ok');
    await ch.assertQueue(q, { exclusive: true });
    ch.publish('', q, Buffer.from('routable'), { mandatory: true });
    ch.publish('', missing, Buffer.from('dropped'), { mandatory: false });
    await ch.waitForConfirms();
    assert.deepEqual(await returns.extra(200), []);
    assert.equal((await ch.checkQueue(q)).messageCount, 1);
    assert.deepEqual(ch.errors, []);
    await conn.close();
  });
});
