'use strict';
// Produce and consume with kafkajs: keys, headers and timestamps kept, order per partition,
// GZIP and Snappy batches, acks -1, 1 and 0, the idempotent producer. Each test has a broker of
// its own.

const { test } = require('node:test');
const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { CompressionTypes, CompressionCodecs } = require('kafkajs');
const SnappyCodec = require('kafkajs-snappy');
const {
  Collector,
  KafkaTest,
  TEST_OPTIONS,
  headersToStrings,
  str,
  uniqueName,
  sleep,
} = require('../lib/kafka_helpers');

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;

/** Groups received messages by partition, each list in the order received. */
function byPartition(messages) {
  const out = new Map();
  for (const m of messages) {
    if (!out.has(m.partition)) {
      out.set(m.partition, []);
    }
    out.get(m.partition).push(m);
  }
  return out;
}

/** Whether any file under `dir` (recursively) holds the bytes `needle`. */
function anyFileHolds(dir, needle) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory() ? anyFileHolds(p, needle) : entry.isFile() && fs.readFileSync(p).includes(needle)) {
      return true;
    }
  }
  return false;
}

/** Subscribes a new group consumer to `topic` from the beginning; returns its collector. */
async function consumeAll(ctx, topic, label) {
  const consumer = await ctx.consumer({ groupId: uniqueName(`${label}-group`) });
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const collector = new Collector(label);
  await consumer.run({ eachMessage: collector.handler() });
  return { consumer, collector };
}

test('keys, headers and timestamps round-trip through an auto-created topic, in order per partition', TEST_OPTIONS, async (t) => {
  // Auto-created topics get [kafka] num_partitions partitions: 3, so that order is checked
  // per partition on more than one.
  const ctx = await KafkaTest.start(t, { config: '[kafka]\nnum_partitions = 3\n' });
  const topic = uniqueName('roundtrip');
  const producer = await ctx.producer();
  const base = Date.now() - 3600 * 1000; // explicit, an hour ago: not the broker's clock
  const sent = [];
  for (let i = 0; i < 40; i++) {
    sent.push({
      key: i % 8 === 7 ? null : `key-${i % 7}`,
      value: i === 13 ? null : `value-${i}`,
      timestamp: String(base + i * 10),
      headers: {
        index: String(i),
        binary: Buffer.from([0, i, 0xff, 0x80]),
        repeated: ['first', `second-${i}`],
      },
    });
  }
  // Four sends of ten, one after the other: order across sends is the order of the log.
  const metadata = []; // per send: kafkajs's RecordMetadata, one per partition written
  for (let i = 0; i < sent.length; i += 10) {
    metadata.push(await producer.send({ topic, messages: sent.slice(i, i + 10) }));
  }
  for (const md of metadata.flat()) {
    assert.equal(md.topicName, topic);
    assert.equal(md.errorCode, 0, `produce error on partition ${md.partition}`);
  }

  const admin = await ctx.admin();
  const [described] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  assert.equal(described.partitions.length, 3, 'auto-created with num_partitions = 3');
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  assert.equal(total, sent.length, `end offsets ${JSON.stringify(offsets)}`);

  const { collector } = await consumeAll(ctx, topic, 'roundtrip');
  await collector.waitForCount(sent.length);
  await sleep(300); // nothing more may arrive
  ctx.assertNoCrash();
  assert.equal(collector.messages.length, sent.length, 'each message once');

  const partitions = byPartition(collector.messages);
  assert.ok(partitions.size >= 2, `messages on ${partitions.size} partition(s) only`);
  const keyPartition = new Map();
  for (const [partition, list] of partitions) {
    // Offsets 0, 1, 2, ... and the producer's order within the partition.
    assert.deepEqual(list.map((m) => m.offset), list.map((_, i) => i), `offsets of partition ${partition}`);
    const indexes = list.map((m) => Number(str(m.headers.index)));
    assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b), `order in partition ${partition}`);
    for (const m of list) {
      const i = Number(str(m.headers.index));
      const want = sent[i];
      assert.equal(str(m.key), want.key, `key of #${i}`);
      assert.equal(str(m.value), want.value, `value of #${i}`);
      assert.equal(m.timestamp, want.timestamp, `timestamp of #${i}`);
      assert.deepEqual(headersToStrings(m.headers), {
        index: String(i),
        binary: want.headers.binary.toString(),
        repeated: ['first', `second-${i}`],
      }, `headers of #${i}`);
      assert.ok(Buffer.isBuffer(m.headers.binary) && m.headers.binary.equals(want.headers.binary), `binary header of #${i}`);
      if (want.key !== null) {
        const seen = keyPartition.get(want.key);
        assert.ok(seen === undefined || seen === partition, `key ${want.key} on partitions ${seen} and ${partition}`);
        keyPartition.set(want.key, partition);
      }
    }
  }
  assert.deepEqual(
    [...new Set(collector.messages.map((m) => Number(str(m.headers.index))))].sort((a, b) => a - b),
    sent.map((_, i) => i),
    'every message received',
  );
  // The base offsets the producer was told are where each send's records start.
  metadata.forEach((mds, send) => {
    for (const md of mds) {
      const list = partitions.get(md.partition) || [];
      const at = list[Number(md.baseOffset)];
      assert.ok(at, `base offset ${md.baseOffset} of partition ${md.partition} past its end`);
      assert.equal(Math.floor(Number(str(at.headers.index)) / 10), send, `first record of send ${send} on partition ${md.partition}`);
      const before = list[Number(md.baseOffset) - 1];
      assert.ok(!before || Math.floor(Number(str(before.headers.index)) / 10) < send, `record before send ${send} on partition ${md.partition}`);
    }
  });
});

for (const [name, compression, codecNote] of [
  ['GZIP', CompressionTypes.GZIP, 'built into kafkajs'],
  ['Snappy', CompressionTypes.Snappy, 'kafkajs-snappy (pure JS)'],
]) {
  test(`${name} compressed batches round-trip (${codecNote})`, TEST_OPTIONS, async (t) => {
    const ctx = await KafkaTest.start(t);
    const topic = uniqueName(`compressed-${name.toLowerCase()}`);
    const producer = await ctx.producer();
    // Compressible values of a few KiB, and one batch of many small records.
    const sent = [];
    for (let i = 0; i < 30; i++) {
      sent.push({ key: `k${i}`, value: `${name}-${i}-`.repeat(200 + i * 10), headers: { n: String(i) } });
    }
    const small = [];
    for (let i = 0; i < 200; i++) {
      small.push({ key: null, value: `small-${i}` });
    }
    const [first] = await producer.send({ topic, compression, messages: sent });
    assert.equal(first.errorCode, 0);
    assert.equal(Number(first.baseOffset), 0);
    const [second] = await producer.send({ topic, compression, messages: small });
    assert.equal(second.errorCode, 0);
    assert.equal(Number(second.baseOffset), sent.length, 'second batch after the first');
    // The broker keeps batches as received: the values are on disk only in compressed form
    // (acks -1, the default, is answered once the records are synced). A record sent
    // uncompressed is found there, so the search does see the log.
    const marker = `uncompressed-marker-${uniqueName('m')}`;
    await producer.send({ topic: uniqueName('plain'), messages: [{ value: marker }] });
    assert.ok(anyFileHolds(ctx.broker.dataDir, Buffer.from(marker)), 'the uncompressed record is in the data directory');
    assert.ok(!anyFileHolds(ctx.broker.dataDir, Buffer.from(sent[0].value)), `a ${name} batch was stored uncompressed`);

    const { collector } = await consumeAll(ctx, topic, name);
    const all = [...sent, ...small];
    await collector.waitForCount(all.length);
    await sleep(300);
    ctx.assertNoCrash();
    assert.equal(collector.messages.length, all.length);
    collector.messages.forEach((m, i) => {
      assert.equal(m.offset, i, `offset of #${i}`);
      assert.equal(str(m.key), all[i].key, `key of #${i}`);
      assert.equal(str(m.value), all[i].value, `value of #${i}`);
      assert.deepEqual(headersToStrings(m.headers), all[i].headers || {}, `headers of #${i}`);
    });
  });
}

test('acks -1, 1 and 0: records are appended and read back', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const topic = uniqueName('acks');
  const producer = await ctx.producer();
  const all = await producer.send({ topic, acks: -1, messages: [{ value: 'all-0' }, { value: 'all-1' }] });
  assert.equal(all.length, 1);
  assert.equal(all[0].errorCode, 0);
  assert.equal(Number(all[0].baseOffset), 0);
  const one = await producer.send({ topic, acks: 1, messages: [{ value: 'one-0' }, { value: 'one-1' }, { value: 'one-2' }] });
  assert.equal(one[0].errorCode, 0);
  assert.equal(Number(one[0].baseOffset), 2, 'acks 1 appended after the acks -1 records');
  // acks 0: the broker sends no answer and kafkajs expects none.
  const none = await producer.send({ topic, acks: 0, messages: [{ value: 'zero-0' }] });
  assert.deepEqual(none, []);
  const again = await producer.send({ topic, acks: -1, messages: [{ value: 'all-2' }] });
  assert.equal(Number(again[0].baseOffset), 6, 'the acks 0 record was appended before it');

  const { collector } = await consumeAll(ctx, topic, 'acks');
  await collector.waitForCount(7);
  await sleep(300);
  ctx.assertNoCrash();
  assert.deepEqual(
    collector.messages.map((m) => [m.offset, str(m.value)]),
    [[0, 'all-0'], [1, 'all-1'], [2, 'one-0'], [3, 'one-1'], [4, 'one-2'], [5, 'zero-0'], [6, 'all-2']],
  );
});

test('an idempotent producer (InitProducerId, sequences)', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const topic = uniqueName('idempotent');
  const producer = await ctx.producer({ idempotent: true, maxInFlightRequests: 1 });
  for (let i = 0; i < 5; i += 1) {
    const r = await producer.send({ topic, acks: -1, messages: [{ value: `i-${2 * i}` }, { value: `i-${2 * i + 1}` }] });
    assert.equal(r[0].errorCode, 0);
    assert.equal(Number(r[0].baseOffset), 2 * i);
  }
  const { collector } = await consumeAll(ctx, topic, 'idempotent');
  await collector.waitForCount(10);
  await sleep(300);
  ctx.assertNoCrash();
  assert.deepEqual(
    collector.messages.map((m) => str(m.value)),
    Array.from({ length: 10 }, (_, i) => `i-${i}`),
  );
});
