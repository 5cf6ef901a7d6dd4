'use strict';
// Connection, queue round trips, basic.get, nack/requeue and large bodies.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { once } = require('node:events');
const { Context, Inbox, USER, within, TEST_OPTIONS } = require('../lib/helpers');

const ctx = new Context('basic');
after(() => ctx.cleanup(), TEST_OPTIONS);

describe('basic', () => {
  test('connect: server properties, capabilities, channel open/close', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('connect');
    const server = conn.connection.serverProperties;
    for (const key of ['product', 'version', 'platform', 'copyright', 'information', 'cluster_name']) {
      assert.equal(typeof server[key], 'string', `server property ${key}`);
    }
    assert.ok(server.product.length > 0, 'product');
    assert.ok(server.version.length > 0, 'version');
    const caps = server.capabilities;
    assert.equal(typeof caps, 'object', 'capabilities table');
    for (const cap of [
      'publisher_confirms',
      'exchange_exchange_bindings',
      'basic.nack',
      'consumer_cancel_notify',
      'connection.blocked',
      'consumer_priorities',
      'authentication_failure_close',
      'per_consumer_qos',
      'direct_reply_to',
    ]) {
      assert.equal(caps[cap], true, `capability ${cap}`);
    }
    assert.ok(conn.connection.frameMax >= 4096, `frameMax ${conn.connection.frameMax}`);
    assert.ok(conn.connection.channelMax > 0, `channelMax ${conn.connection.channelMax}`);

    const ch = await ctx.channel(conn);
    assert.ok(ch.ch >= 1, 'channel number');
    const closed = once(ch, 'close');
    await ch.close();
    await closed;

    const connClosed = once(conn, 'close');
    await conn.close();
    await within(connClosed, 2000, 'connection close event');
  });

  test('assertQueue, sendToQueue, consume, ack: order and properties preserved', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('order');
    const ch = await ctx.channel(conn);
    const q = ctx.queue('order');
    const ok = await ch.assertQueue(q, { durable: true });
    assert.deepEqual(ok, { queue: q, messageCount: 0, consumerCount: 0 });
    // Re-asserting with the same arguments is idempotent.
    assert.equal((await ch.assertQueue(q, { durable: true })).queue, q);

    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'x-string': 'hello',
      'x-byte': 7,
      'x-short': 1000,
      'x-int': 100000,
      'x-negative': -70000,
      'x-long': 2 ** 40,
      'x-double': 2.5,
      'x-true': true,
      'x-false': false,
      'x-nested': { inner: 'deep', n: 3 },
      'x-list': ['a', 1, true],
      'x-unicode': 'héllo ✓',
      'x-bytes': Buffer.from([1, 2, 3, 255]),
    };
    const n = 50;
    for (let i = 0; i < n; i++) {
      const written = ch.sendToQueue(q, Buffer.from(`message-${i}`), {
        contentType: 'text/plain',
        contentEncoding: 'utf-8',
        headers,
        persistent: true,
        priority: 3,
        correlationId: `corr-${i}`,
        replyTo: `reply-${i}`,
        expiration: '60000',
        messageId: `id-${i}`,
        timestamp,
        type: 'greeting',
        userId: USER,
        appId: 'polymq-it-node',
      });
      assert.equal(typeof written, 'boolean');
    }

    const inbox = new Inbox('delivery');
    const { consumerTag } = await ch.consume(q, (msg) => inbox.push(msg), { noAck: false });
    assert.match(consumerTag, /\S/);
    for (let i = 0; i < n; i++) {
      const msg = await inbox.next(`message ${i}`);
      assert.equal(msg.content.toString(), `message-${i}`, 'order');
      assert.equal(msg.fields.consumerTag, consumerTag);
      assert.equal(msg.fields.deliveryTag, i + 1);
      assert.equal(msg.fields.redelivered, false);
      assert.equal(msg.fields.exchange, '');
      assert.equal(msg.fields.routingKey, q);
      const p = msg.properties;
      assert.equal(p.contentType, 'text/plain');
      assert.equal(p.contentEncoding, 'utf-8');
      assert.equal(p.deliveryMode, 2);
      assert.equal(p.priority, 3);
      assert.equal(p.correlationId, `corr-${i}`);
      assert.equal(p.replyTo, `reply-${i}`);
      assert.equal(p.expiration, '60000');
      assert.equal(p.messageId, `id-${i}`);
      assert.equal(p.timestamp, timestamp);
      assert.equal(p.type, 'greeting');
      assert.equal(p.userId, USER);
      assert.equal(p.appId, 'polymq-it-node');
      assert.equal(p.clusterId, undefined);
      assert.deepEqual(p.headers, headers);
      ch.ack(msg);
    }
    assert.deepEqual(await inbox.extra(100), [], 'no extra deliveries');
    await ch.cancel(consumerTag);
    // A synchronous round trip after the acks orders them before the check.
    const check = await ch.checkQueue(q);
    assert.deepEqual(check, { queue: q, messageCount: 0, consumerCount: 0 });
    const del = await ch.deleteQueue(q);
    assert.deepEqual(del, { messageCount: 0 });
    await conn.close();
  });

  test('get returns messages with remaining count, then false when empty', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('get');
    const ch = await ctx.channel(conn, { confirm: true });
    const q = ctx.queue('get');
    await ch.assertQueue(q, { exclusive: true });
    assert.equal(await ch.get(q), false, 'get on an empty queue');

    for (let i = 0; i < 3; i++) {
      ch.sendToQueue(q, Buffer.from(`g${i}`), { messageId: `m${i}` });
    }
    await ch.waitForConfirms();
    const got = [];
    for (let i = 0; i < 3; i++) {
      const msg = await ch.get(q, { noAck: false });
      assert.notEqual(msg, false, `get ${i}`);
      assert.equal(msg.content.toString(), `g${i}`);
      assert.equal(msg.properties.messageId, `m${i}`);
      assert.equal(msg.fields.messageCount, 2 - i, 'remaining message count');
      assert.equal(msg.fields.deliveryTag, i + 1);
      assert.equal(msg.fields.redelivered, false);
      assert.equal(msg.fields.exchange, '');
      assert.equal(msg.fields.routingKey, q);
      got.push(msg);
    }
    assert.equal(await ch.get(q), false, 'get after draining');
    ch.ack(got[2], true); // acks all three
    assert.equal((await ch.checkQueue(q)).messageCount, 0);

    // Unacked gets go back to the queue when the channel closes.
    ch.sendToQueue(q, Buffer.from('again'));
    await ch.waitForConfirms();
    const other = await ctx.channel(conn);
    const held = await other.get(q);
    assert.equal(held.content.toString(), 'again');
    await other.close();
    const back = await ch.get(q, { noAck: true });
    assert.notEqual(back, false, 'message requeued on channel close');
    assert.equal(back.fields.redelivered, true);
    await conn.close();
  });

  test('nack with requeue redelivers with fields.redelivered', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('nack');
    const ch = await ctx.channel(conn);
    const q = ctx.queue('nack');
    await ch.assertQueue(q, { exclusive: true });
    ch.sendToQueue(q, Buffer.from('retry-me'));

    const inbox = new Inbox('delivery');
    const { consumerTag } = await ch.consume(q, (msg) => inbox.push(msg));
    const first = await inbox.next('first delivery');
    assert.equal(first.fields.redelivered, false);
    ch.nack(first, false, true);

    const second = await inbox.next('redelivery after nack');
    assert.equal(second.content.toString(), 'retry-me');
    assert.equal(second.fields.redelivered, true);
    assert.ok(second.fields.deliveryTag > first.fields.deliveryTag);
    ch.reject(second, true);

    const third = await inbox.next('redelivery after reject');
    assert.equal(third.fields.redelivered, true);
    ch.nack(third, false, false); // dropped
    assert.deepEqual(await inbox.extra(200), [], 'nothing after nack without requeue');
    await ch.cancel(consumerTag);
    assert.equal((await ch.checkQueue(q)).messageCount, 0);
    await conn.close();
  });

  test('1 MiB body round trip', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('large');
    const ch = await ctx.channel(conn);
    const q = ctx.queue('large');
    await ch.assertQueue(q, { exclusive: true });
    const body = crypto.randomBytes(1024 * 1024);
    assert.ok(body.length > conn.connection.frameMax, 'body spans several frames');
    ch.sendToQueue(q, body, { contentType: 'application/octet-stream', messageId: 'big' });
    ch.sendToQueue(q, Buffer.alloc(0), { messageId: 'empty' });

    const inbox = new Inbox('delivery');
    await ch.consume(q, (msg) => inbox.push(msg));
    const msg = await inbox.next('1 MiB message');
    assert.equal(msg.content.length, body.length);
    assert.ok(msg.content.equals(body), 'body content');
    assert.equal(msg.properties.contentType, 'application/octet-stream');
    assert.equal(msg.properties.messageId, 'big');
    ch.ack(msg);
    const empty = await inbox.next('empty message');
    assert.equal(empty.content.length, 0);
    assert.equal(empty.properties.messageId, 'empty');
    ch.ack(empty);
    await conn.close();
  });
});
