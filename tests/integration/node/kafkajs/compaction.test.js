'use strict';
// A compacted topic (cleanup.policy=compact) read by kafkajs: after the broker's background
// pass removed the superseded records, a group consumer reading from the beginning gets each
// key's latest value, in offset order, and reaches the end through the gaps (the empty batches
// compaction leaves).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Collector, KafkaTest, TEST_OPTIONS, sleep, uniqueName, waitFor } = require('../lib/kafka_helpers');

const KEYS = 8;
const ROUNDS = 25;

test('a group consumer reads a compacted topic through its gaps', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t, { args: ['--compaction-check-interval-ms', '100'] });
  const admin = await ctx.admin();
  const topic = uniqueName('compacted');
  assert.equal(await admin.createTopics({
    topics: [{
      topic,
      numPartitions: 1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'segment.bytes', value: '1024' },
        { name: 'min.cleanable.dirty.ratio', value: '0.01' },
      ],
    }],
  }), true);
  const producer = await ctx.producer();
  const latest = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    const messages = Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value: `v-${k}-${round}` }));
    for (const m of messages) {
      await producer.send({ topic, acks: -1, messages: [m] }); // a batch each
      latest.set(m.key, m.value);
    }
  }
  const produced = KEYS * ROUNDS;

  // Waits until the offsets low in the topic lost their old values: the first settled
  // segments hold one record a key at most.
  const deadline = Date.now() + 30000;
  let collected;
  for (;;) {
    const consumer = await ctx.consumer({ groupId: uniqueName('compacted-reader') });
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const collector = new Collector();
    await consumer.run({ eachMessage: collector.handler() });
    // The last record produced is at offset produced - 1: reaching it means the consumer
    // went through every gap.
    await waitFor(() => collector.messages.some((m) => Number(m.offset) === produced - 1), 15000,
      `offset ${produced - 1} (have ${collector.messages.length} records)`);
    await consumer.disconnect();
    collected = collector.messages;
    if (collected.length < KEYS + 20 || Date.now() > deadline) break;
    await sleep(300);
  }
  ctx.assertNoCrash();
  assert.ok(collected.length < KEYS + 20, `${collected.length} of ${produced} records left`);
  const offsets = collected.map((m) => Number(m.offset));
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), 'in offset order');
  const seen = new Map();
  for (const m of collected) seen.set(m.key.toString(), m.value.toString());
  assert.deepEqual(seen, latest);
});
