'use strict';
// Channel-level errors: 404 on a missing queue, 405 on another connection's exclusive queue.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { Context, VHOST, sleep, within, TEST_OPTIONS } = require('../lib/helpers');

const ctx = new Context('errors');

// events.once() would reject on the 'error' event that precedes 'close'.
function closeEvent(emitter) {
  return new Promise((resolve) => emitter.once('close', resolve));
}
after(() => ctx.cleanup(), TEST_OPTIONS);

describe('errors', () => {
  test('checkQueue on a missing queue rejects with 404 and closes the channel', TEST_OPTIONS, async () => {
    const conn = await ctx.connect('404');
    const ch = await ctx.channel(conn);
    const closed = closeEvent(ch);
    const missing = ctx.name('missing-queue');
    const expectedText = `NOT_FOUND - no queue '${missing}' in vhost '${VHOST}'`;
    await assert.rejects(ch.checkQueue(missing), (err) => {
      assert.equal(err.code, 404);
      assert.equal(err.classId, 50);
      assert.equal(err.methodId, 10);
      assert.ok(err.message.includes(expectedText), err.message);
      return true;
    });
    await within(closed, 2000, 'channel close event');
    assert.equal(ch.errors.length, 1, 'one channel error event');
    assert.equal(ch.errors[0].code, 404);
    assert.throws(() => ch.sendToQueue(missing, Buffer.from('x')), /Channel closed/);
    await assert.rejects(ch.checkQueue(missing), /Channel closed/);

    // The connection survives; a missing exchange behaves the same.
    const ch2 = await ctx.channel(conn);
    const missingX = ctx.name('missing-exchange');
    await assert.rejects(ch2.checkExchange(missingX), (err) => {
      assert.equal(err.code, 404);
      assert.equal(err.classId, 40);
      assert.ok(err.message.includes(`NOT_FOUND - no exchange '${missingX}' in vhost '${VHOST}'`), err.message);
      return true;
    });
    const ch3 = await ctx.channel(conn);
    const q = ctx.queue('after-404');
    assert.equal((await ch3.assertQueue(q, { exclusive: true })).queue, q);
    await conn.close();
  });

  test('exclusive queue used from a second connection fails with 405', TEST_OPTIONS, async () => {
    const owner = await ctx.connect('exclusive-owner');
    const other = await ctx.connect('exclusive-other');
    const och = await ctx.channel(owner);
    const q = ctx.queue('exclusive');
    await och.assertQueue(q, { exclusive: true });
    const lockedText = `RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '${q}' in vhost '${VHOST}'`;

    const attempts = {
      assertQueue: { op: (ch) => ch.assertQueue(q, { exclusive: true }), classId: 50, methodId: 10 },
      checkQueue: { op: (ch) => ch.checkQueue(q), classId: 50, methodId: 10 },
      consume: { op: (ch) => ch.consume(q, () => {}), classId: 60, methodId: 20 },
    };
    for (const [name, { op, classId, methodId }] of Object.entries(attempts)) {
      const ch = await ctx.channel(other);
      const closed = closeEvent(ch);
      await assert.rejects(op(ch), (err) => {
        assert.equal(err.code, 405, `${name}: code`);
        assert.equal(err.classId, classId, `${name}: classId`);
        assert.equal(err.methodId, methodId, `${name}: methodId`);
        assert.ok(err.message.includes(lockedText), `${name}: ${err.message}`);
        return true;
      });
      await within(closed, 2000, `${name}: channel close event`);
    }

    // The owner keeps using it.
    och.sendToQueue(q, Buffer.from('mine'));
    let got = false;
    for (let i = 0; i < 50 && got === false; i++) {
      got = await och.get(q, { noAck: true });
      if (got === false) {
        await sleep(20);
      }
    }
    assert.notEqual(got, false, 'owner can use its exclusive queue');
    assert.equal(got.content.toString(), 'mine');

    // It disappears with its connection.
    await owner.close();
    const ch = await ctx.channel(other);
    await assert.rejects(ch.checkQueue(q), (err) => err.code === 404);
    await other.close();
  });
});
