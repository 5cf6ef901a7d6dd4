'use strict';
// kafkajs's admin.deleteTopicRecords (DeleteRecords): the low watermark moves to the offset
// asked for, a consumer reading from the beginning starts there, an offset past the high
// watermark is refused with OFFSET_OUT_OF_RANGE, and -1 deletes up to the high watermark.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  Collector,
  KafkaTest,
  TEST_OPTIONS,
  describeError,
  sleep,
  uniqueName,
} = require('../lib/kafka_helpers');

async function watermarks(admin, topic) {
  return (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({ partition, low, high }));
}

/** The partition errors of a KafkaJSDeleteTopicRecordsError somewhere in kafkajs's wrapping. */
function partitionErrors(err) {
  let e = err;
  const seen = new Set();
  while (e && !seen.has(e)) {
    seen.add(e);
    if (Array.isArray(e.partitions)) {
      return e.partitions.map(({ partition, error }) => [partition, error && error.type]);
    }
    e = e.originalError || e.cause || (Array.isArray(e.errors) ? e.errors[0] : undefined);
  }
  return null;
}

test('deleteTopicRecords moves the low watermark and consumers start there', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const admin = await ctx.admin();
  const topic = uniqueName('delete-records');
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }), true);
  const producer = await ctx.producer();
  await producer.send({ topic, messages: Array.from({ length: 100 }, (_, i) => ({ value: `record ${i}` })) });
  assert.deepEqual(await watermarks(admin, topic), [{ partition: 0, low: '0', high: '100' }]);

  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '40' }] });
  assert.deepEqual(await watermarks(admin, topic), [{ partition: 0, low: '40', high: '100' }]);

  // A batch that straddles 40 is served whole; kafkajs skips the records below its position.
  const consumer = await ctx.consumer({ groupId: uniqueName('delete-records-group') });
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const collector = new Collector();
  await consumer.run({ eachMessage: collector.handler() });
  await collector.waitForCount(60);
  await sleep(300); // nothing more may arrive
  ctx.assertNoCrash();
  assert.deepEqual(
    collector.messages.map((m) => [m.offset, m.value.toString()]),
    Array.from({ length: 60 }, (_, i) => [40 + i, `record ${40 + i}`]),
  );

  let err;
  try {
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '101' }] });
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'an offset past the high watermark was accepted');
  assert.deepEqual(partitionErrors(err), [[0, 'OFFSET_OUT_OF_RANGE']], describeError(err));
  assert.deepEqual(await watermarks(admin, topic), [{ partition: 0, low: '40', high: '100' }]);

  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }] });
  assert.deepEqual(await watermarks(admin, topic), [{ partition: 0, low: '100', high: '100' }]);
});
