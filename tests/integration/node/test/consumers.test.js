'use strict';
// Consumers: competing consumers with prefetch, server-sent cancel, publisher confirms.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Context, Inbox, sleep, within, TEST_OPTIONS } = require('../lib/helpers');

const ctx = new Context('consumers');
after(() => ctx.cleanup(), TEST_OPTIONS);

describe('consumers', () => {
  test('competing consumers with prefetch(1) share the work', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('competing');
    const pub = await ctx.channel(conn);
    const q = ctx.queue('work');
    await pub.assertQueue(q, { autoDelete: true });

    const total = 30;
    const received = new Inbox('job');
    const counts = [0, 0];
    let violations = 0;
    const timers = new Set();
    for (const c of [0, 1]) {
      const ch = await ctx.channel(conn);
      await ch.prefetch(1);
      let inFlight = 0;
      await ch.consume(q, (msg) => {
        inFlight += 1;
        if (inFlight > 1) {
          violations += 1;
        }
        counts[c] += 1;
        received.push(msg.content.toString());
        // Ack a little later: a broker ignoring prefetch would deliver more meanwhile.
        const timer = setTimeout(() => {
          timers.delete(timer);
          inFlight -= 1;
          ch.ack(msg);
        }, 15);
        timers.add(timer);
      });
    }
    assert.equal((await pub.checkQueue(q)).consumerCount, 2);
    for (let i = 0; i < total; i++) {
      pub.sendToQueue(q, Buffer.from(`job-${i}`));
    }
    const jobs = await received.take(total);
    assert.equal(new Set(jobs).size, total, 'every job delivered exactly once');
    assert.deepEqual(await received.extra(200), [], 'no duplicate deliveries');
    assert.equal(violations, 0, 'a consumer held more than one unacked message');
    assert.ok(counts[0] > 0 && counts[1] > 0, `work not shared: ${counts}`);
    assert.ok(Math.abs(counts[0] - counts[1]) <= total / 3, `work shared very unevenly: ${counts}`);
    for (const t of timers) {
      clearTimeout(t);
    }
    await conn.close();
  });

  test('server-sent cancel on deleteQueue calls the consume callback with null', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('cancel');
    const ch = await ctx.channel(conn);
    const q = ctx.queue('cancel');
    await ch.assertQueue(q, { durable: false });
    const inbox = new Inbox('consume callback');
    const tag = `${ctx.name('ctag')}`;
    const cancelEvents = new Inbox('cancel event');
    ch.on('cancel', (fields) => cancelEvents.push(fields));
    const { consumerTag } = await ch.consume(q, (msg) => inbox.push(msg), { consumerTag: tag });
    assert.equal(consumerTag, tag, 'client-chosen consumer tag');

    ch.sendToQueue(q, Buffer.from('before-delete'));
    const first = await inbox.next('message before delete');
    assert.equal(first.content.toString(), 'before-delete');
    ch.ack(first);

    const admin = await ctx.channel(conn);
    await admin.deleteQueue(q);
    const last = await inbox.next('null from server cancel');
    assert.equal(last, null);
    const fields = await cancelEvents.next();
    assert.equal(fields.consumerTag, tag);

    // The channel stays open and usable.
    assert.deepEqual(ch.errors, []);
    const q2 = ctx.queue('cancel-after');
    await ch.assertQueue(q2, { exclusive: true });
    ch.sendToQueue(q2, Buffer.from('still alive'));
    let got = false;
    for (let i = 0; i < 50 && got === false; i++) {
      got = await ch.get(q2, { noAck: true });
      if (got === false) {
        await sleep(20);
      }
    }
    assert.notEqual(got, false, 'channel usable after the consumer was cancelled');
    await conn.close();
  });

  test('RPC over direct reply-to (amq.rabbitmq.reply-to)', TEST_OPTIONS, async () => {
    const REPLY_TO = 'amq.rabbitmq.reply-to';
    const conn = await ctx.connect('rpc-client');
    const serverConn = await ctx.connect('rpc-server');
    const client = await ctx.channel(conn);
    const server = await ctx.channel(serverConn);
    const q = ctx.queue('rpc');
    await server.assertQueue(q, { autoDelete: true });
    const seenReplyTo = [];
    await server.consume(q, (msg) => {
      seenReplyTo.push(msg.properties.replyTo);
      server.sendToQueue(msg.properties.replyTo, Buffer.from(`re:${msg.content}`), {
        correlationId: msg.properties.correlationId,
      });
      server.ack(msg);
    });

    const replies = new Inbox('reply');
    const { consumerTag } = await client.consume(REPLY_TO, (msg) => replies.push(msg), { noAck: true });
    const n = 5;
    for (let i = 0; i < n; i++) {
      client.sendToQueue(q, Buffer.from(`q${i}`), { replyTo: REPLY_TO, correlationId: `c${i}` });
    }
    const got = await replies.take(n);
    assert.deepEqual(
      got.map((m) => [m.properties.correlationId, m.content.toString()]),
      Array.from({ length: n }, (_, i) => [`c${i}`, `re:q${i}`]),
    );
    // The broker gave the requests the channel's own address; replies come from no queue.
    assert.ok(seenReplyTo[0].startsWith(`${REPLY_TO}.`), seenReplyTo[0]);
    assert.deepEqual(seenReplyTo, Array(n).fill(seenReplyTo[0]));
    assert.equal(got[0].fields.consumerTag, consumerTag);
    assert.equal(got[0].fields.exchange, '');
    assert.equal(got[0].fields.routingKey, seenReplyTo[0]);
    assert.equal(got[0].fields.redelivered, false);
    await conn.close();
    await serverConn.close();
  });

  test('ConfirmChannel: 1000 publishes then waitForConfirms', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('confirms');
    const ch = await ctx.channel(conn, { confirm: true });
    const q = ctx.queue('confirms');
    await ch.assertQueue(q, { exclusive: true });
    const n = 1000;
    let acked = 0;
    let nacked = 0;
    const callbacks = [];
    for (let i = 0; i < n; i++) {
      callbacks.push(
        new Promise((resolve) => {
          ch.sendToQueue(q, Buffer.from(`confirm-${i}`), { persistent: true }, (err) => {
            if (err) {
              nacked += 1;
            } else {
              acked += 1;
            }
            resolve();
          });
        }),
      );
    }
    await within(ch.waitForConfirms(), 15000, 'waitForConfirms');
    await Promise.all(callbacks);
    assert.equal(acked, n, 'acked');
    assert.equal(nacked, 0, 'nacked');
    assert.equal((await ch.checkQueue(q)).messageCount, n);
    assert.deepEqual(await ch.purgeQueue(q), { messageCount: n });
    await within(ch.waitForConfirms(), 2000, 'waitForConfirms with nothing outstanding');
    await conn.close();
  });
});
