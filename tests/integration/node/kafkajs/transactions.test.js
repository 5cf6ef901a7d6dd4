'use strict';
// Kafka transactions with kafkajs's transactional producer (transactionalId, idempotent,
// one request in flight): a read_committed consumer (readUncommitted: false) receives what
// committed transactions wrote, as they commit, and never what an aborted one wrote, while a
// read_uncommitted one receives every record (control markers never reach eachMessage);
// sendOffsets in a transaction commits the group's offsets when the transaction commits, and
// leaves them as they were when it aborts.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  Collector,
  KafkaTest,
  RECEIVE_TIMEOUT_MS,
  TEST_OPTIONS,
  headersToStrings,
  sleep,
  str,
  uniqueName,
  waitFor,
} = require('../lib/kafka_helpers');

/** Long enough for a record that should not be delivered (an aborted one) to show up. */
const SETTLE_MS = 1000;

async function transactionalProducer(ctx) {
  return ctx.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
}

/** A running group consumer of `topic` from the beginning; returns { consumer, got }. */
async function startReader(ctx, topic, { readUncommitted, groupId = uniqueName('reader') }) {
  const consumer = await ctx.consumer({ groupId, readUncommitted });
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const got = new Collector(readUncommitted ? 'read_uncommitted' : 'read_committed');
  await consumer.run({ eachMessage: got.handler() });
  return { consumer, got };
}

/** Every value a new reader of `topic` receives: waits for `count`, then SETTLE_MS more. */
async function readValues(ctx, topic, { readUncommitted, count }) {
  const { consumer, got } = await startReader(ctx, topic, { readUncommitted });
  await got.waitForCount(count);
  await sleep(SETTLE_MS);
  await consumer.disconnect();
  ctx.forget(consumer);
  ctx.assertNoCrash();
  return got.messages.map((m) => str(m.value));
}

/** The group's committed offsets of `topic` as { partition: offset } (strings, -1: none). */
async function committed(admin, groupId, topic) {
  const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(partitions.map((p) => [p.partition, p.offset]));
}

test('read_committed receives committed transactions as they commit and never an aborted one', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const admin = await ctx.admin();
  const topic = uniqueName('txn');
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }), true);
  const producer = await transactionalProducer(ctx);
  const { got } = await startReader(ctx, topic, { readUncommitted: false });

  const first = ['first-0', 'first-1', 'first-2'];
  let txn = await producer.transaction();
  await txn.send({
    topic,
    messages: first.map((value, i) => ({ key: `key-${i}`, value, headers: { seq: String(i), origin: 'tx' } })),
  });
  await txn.commit();
  assert.equal(txn.isActive(), false);
  await got.waitForCount(first.length);
  assert.deepEqual(got.messages.map((m) => str(m.value)), first);
  assert.deepEqual(got.messages.map((m) => str(m.key)), ['key-0', 'key-1', 'key-2']);
  assert.deepEqual(got.messages.map((m) => headersToStrings(m.headers)),
    [0, 1, 2].map((i) => ({ seq: String(i), origin: 'tx' })));

  // Sent (acknowledged by the broker, so in the log), then aborted.
  const aborted = ['aborted-0', 'aborted-1'];
  txn = await producer.transaction();
  await txn.send({ topic, messages: aborted.map((value) => ({ value })) });
  await txn.abort();
  assert.equal(txn.isActive(), false);

  const second = ['second-0', 'second-1'];
  txn = await producer.transaction();
  await txn.send({ topic, messages: second.map((value) => ({ value })) });
  await txn.commit();

  await got.waitForCount(first.length + second.length);
  await sleep(SETTLE_MS);
  ctx.assertNoCrash();
  assert.deepEqual(got.messages.map((m) => str(m.value)), [...first, ...second]);
  const offsets = got.messages.map((m) => m.offset);
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'in offset order');

  assert.deepEqual(await readValues(ctx, topic, { readUncommitted: true, count: first.length + aborted.length + second.length }),
    [...first, ...aborted, ...second]);
  assert.deepEqual(await readValues(ctx, topic, { readUncommitted: false, count: first.length + second.length }),
    [...first, ...second]);
});

test('sendOffsets commits the group offsets with the transaction, not when it aborts', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const admin = await ctx.admin();
  const input = uniqueName('in');
  const output = uniqueName('out');
  const groupId = uniqueName('group');
  assert.equal(await admin.createTopics({
    topics: [{ topic: input, numPartitions: 1 }, { topic: output, numPartitions: 1 }],
  }), true);
  const plain = await ctx.producer();
  await plain.send({ topic: input, acks: -1, messages: [0, 1, 2, 3].map((i) => ({ value: `in-${i}` })) });
  const producer = await transactionalProducer(ctx);

  let txn = await producer.transaction();
  await txn.send({ topic: output, messages: [0, 1, 2, 3].map((i) => ({ value: `out-${i}` })) });
  await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '4' }] }] });
  await txn.commit();
  await waitFor(async () => (await committed(admin, groupId, input))[0] === '4', RECEIVE_TIMEOUT_MS,
    'offset 4 committed with the transaction');

  await plain.send({ topic: input, acks: -1, messages: [4, 5].map((i) => ({ value: `in-${i}` })) });
  txn = await producer.transaction();
  await txn.send({ topic: output, messages: [4, 5].map((i) => ({ value: `out-${i}` })) });
  await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '6' }] }] });
  await txn.abort();
  assert.deepEqual(await committed(admin, groupId, input), { 0: '4' });
  await sleep(500);
  assert.deepEqual(await committed(admin, groupId, input), { 0: '4' }, 'the aborted offsets are not committed later');

  // A member of the group starts at the committed offset 4.
  const { consumer, got } = await startReader(ctx, input, { readUncommitted: false, groupId });
  await got.waitForCount(2);
  await sleep(SETTLE_MS);
  await consumer.disconnect();
  ctx.forget(consumer);
  ctx.assertNoCrash();
  assert.deepEqual(got.messages.map((m) => str(m.value)), ['in-4', 'in-5']);
  assert.deepEqual(got.messages.map((m) => m.offset), [4, 5]);

  assert.deepEqual(await readValues(ctx, output, { readUncommitted: false, count: 4 }),
    ['out-0', 'out-1', 'out-2', 'out-3']);
});
