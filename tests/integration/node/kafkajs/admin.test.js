'use strict';
// kafkajs's admin client: topics (create, list, metadata, offsets, configs, partitions,
// delete), the cluster, and what the broker answers for missing topics and bad requests.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { ConfigResourceTypes } = require('kafkajs');
const {
  KafkaTest,
  TEST_OPTIONS,
  describeError,
  rootCause,
  uniqueName,
} = require('../lib/kafka_helpers');

/** Awaits `promise`, which must reject with a Kafka protocol error of `type` (e.g.
 * UNKNOWN_TOPIC_OR_PARTITION) somewhere in kafkajs's wrapping; returns that error. */
async function rejectsWithType(promise, type, what) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: expected ${type}, but it succeeded`);
  const cause = rootCause(err);
  assert.equal(cause.type, type, `${what}: ${describeError(err)}`);
  return cause;
}

async function topicConfig(admin, topic, name) {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }],
  });
  assert.equal(resources.length, 1);
  assert.equal(resources[0].errorCode, 0, resources[0].errorMessage);
  const entry = resources[0].configEntries.find((e) => e.configName === name);
  assert.ok(entry, `${name} in ${JSON.stringify(resources[0].configEntries)}`);
  return entry;
}

const byPartition = (a, b) => a.partition - b.partition;

test('topic administration: create, list, metadata, offsets, configs, partitions, delete', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const admin = await ctx.admin();
  const topic = uniqueName('admin');

  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] }), true, 'created');
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] }), false, 'exists already');
  assert.ok((await admin.listTopics()).includes(topic), 'listed');

  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(topics.length, 1);
  assert.equal(topics[0].name, topic);
  assert.deepEqual(
    [...topics[0].partitions].sort((a, b) => a.partitionId - b.partitionId).map((p) => [p.partitionId, p.partitionErrorCode, p.leader, p.replicas, p.isr]),
    [0, 1, 2, 3].map((p) => [p, 0, 0, [0], [0]]),
    'four partitions, broker 0 the leader and only replica',
  );

  // Partition p gets p + 1 records; the offsets follow.
  const producer = await ctx.producer();
  const base = Date.now() - 60000;
  await producer.send({
    topic,
    messages: [0, 1, 2, 3].flatMap((p) => Array.from({ length: p + 1 }, (_, i) => ({
      partition: p, value: `p${p}-${i}`, timestamp: String(base + i * 1000),
    }))),
  });
  assert.deepEqual(
    (await admin.fetchTopicOffsets(topic)).sort(byPartition).map(({ partition, offset, high, low }) => ({ partition, offset, high, low })),
    [0, 1, 2, 3].map((p) => ({ partition: p, offset: String(p + 1), high: String(p + 1), low: '0' })),
  );
  // The first record at or after base + 1500 is the third of each partition (offset 2);
  // partitions with fewer records answer -1, which kafkajs turns into the high watermark.
  assert.deepEqual(
    (await admin.fetchTopicOffsetsByTimestamp(topic, base + 1500)).sort(byPartition),
    [{ partition: 0, offset: '1' }, { partition: 1, offset: '2' }, { partition: 2, offset: '2' }, { partition: 3, offset: '2' }],
  );

  // retention.ms: PolyMQ's default (forever), then set, then back to the default.
  const before = await topicConfig(admin, topic, 'retention.ms');
  assert.equal(before.configValue, '-1');
  assert.equal(before.isDefault, true);
  const altered = await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
  });
  assert.deepEqual(altered.resources.map((r) => [r.errorCode, r.resourceName]), [[0, topic]]);
  const after = await topicConfig(admin, topic, 'retention.ms');
  assert.equal(after.configValue, '3600000');
  assert.equal(after.isDefault, false);
  // validateOnly changes nothing.
  await admin.alterConfigs({
    validateOnly: true,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
  });
  assert.equal((await topicConfig(admin, topic, 'retention.ms')).configValue, '3600000', 'validateOnly');
  // AlterConfigs replaces the whole set: retention.ms left out returns to its default.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.bytes', value: '1048576' }] }],
  });
  assert.equal((await topicConfig(admin, topic, 'retention.ms')).configValue, '-1', 'reset by a full replace');
  assert.equal((await topicConfig(admin, topic, 'retention.bytes')).configValue, '1048576');

  // Grow to 6 partitions: the new ones are empty, the old ones keep their records.
  await admin.createPartitions({ topicPartitions: [{ topic, count: 6 }] });
  const grown = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(grown.topics[0].partitions.length, 6);
  assert.deepEqual(
    (await admin.fetchTopicOffsets(topic)).sort(byPartition).map((p) => [p.partition, p.high]),
    [[0, '1'], [1, '2'], [2, '3'], [3, '4'], [4, '0'], [5, '0']],
  );
  // (A new producer: kafkajs's keeps its metadata for metadataMaxAge and would not know
  // partition 5 yet.)
  const [written] = await (await ctx.producer()).send({ topic, messages: [{ partition: 5, value: 'to the new partition' }] });
  assert.deepEqual([written.partition, written.errorCode, written.baseOffset], [5, 0, '0']);
  // Shrinking (or staying) is refused.
  await rejectsWithType(admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] }), 'INVALID_PARTITIONS', 'createPartitions 6 -> 3');

  // Delete: gone from the list and from metadata; the name can be used again, empty.
  await admin.deleteTopics({ topics: [topic] });
  assert.ok(!(await admin.listTopics()).includes(topic), 'deleted topic still listed');
  await rejectsWithType(admin.fetchTopicMetadata({ topics: [topic] }), 'UNKNOWN_TOPIC_OR_PARTITION', 'metadata of the deleted topic');
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] }), true, 're-created');
  assert.deepEqual(
    (await admin.fetchTopicOffsets(topic)).sort(byPartition).map((p) => [p.partition, p.low, p.high]),
    [[0, '0', '0'], [1, '0', '0']],
  );
});

test('describeCluster: one broker, the controller, at the advertised address', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const admin = await ctx.admin();
  const cluster = await admin.describeCluster();
  assert.deepEqual(cluster.brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })), [
    { nodeId: 0, host: '127.0.0.1', port: ctx.broker.kafkaPort },
  ]);
  assert.equal(cluster.controller, 0);
  assert.match(cluster.clusterId, /^[A-Za-z0-9_-]{22}$/);
});

test('a missing topic is not created when the client asks so: UNKNOWN_TOPIC_OR_PARTITION', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const fast = ctx.kafka({ retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 1 } });
  const admin = await ctx.admin({}, fast);

  // The admin client's metadata requests never ask for auto-creation.
  const missing = uniqueName('missing');
  await rejectsWithType(admin.fetchTopicMetadata({ topics: [missing] }), 'UNKNOWN_TOPIC_OR_PARTITION', 'admin metadata of a missing topic');
  await rejectsWithType(admin.fetchTopicOffsets(missing), 'UNKNOWN_TOPIC_OR_PARTITION', 'admin offsets of a missing topic');

  // A producer with allowAutoTopicCreation false (Metadata v4+ allow_auto_topic_creation).
  const producer = await ctx.producer({ allowAutoTopicCreation: false, retry: { retries: 1, initialRetryTime: 100 } }, fast);
  await rejectsWithType(producer.send({ topic: missing, messages: [{ value: 'x' }] }), 'UNKNOWN_TOPIC_OR_PARTITION', 'send without auto-creation');
  assert.ok(!(await admin.listTopics()).includes(missing), 'the topic was created after all');

  // The same producer's default (true) on a default broker does create it.
  const creating = await ctx.producer({}, fast);
  const [md] = await creating.send({ topic: missing, messages: [{ value: 'now' }] });
  assert.equal(md.errorCode, 0);
  assert.ok((await admin.listTopics()).includes(missing), 'auto-created');
});

test('with [kafka] auto_create_topics = false a producer cannot create a topic', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t, { config: '[kafka]\nauto_create_topics = false\n' });
  const fast = ctx.kafka({ retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 1 } });
  const admin = await ctx.admin({}, fast);
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configNames: ['auto.create.topics.enable'] }],
  });
  assert.deepEqual(resources[0].configEntries.map((e) => [e.configName, e.configValue]), [['auto.create.topics.enable', 'false']]);

  const missing = uniqueName('not-auto');
  const producer = await ctx.producer({ allowAutoTopicCreation: true, retry: { retries: 1, initialRetryTime: 100 } }, fast);
  await rejectsWithType(producer.send({ topic: missing, messages: [{ value: 'x' }] }), 'UNKNOWN_TOPIC_OR_PARTITION', 'send to a missing topic');
  assert.ok(!(await admin.listTopics()).includes(missing));

  // Created explicitly, it takes records.
  assert.equal(await admin.createTopics({ topics: [{ topic: missing }] }), true);
  const [md] = await producer.send({ topic: missing, messages: [{ value: 'now' }] });
  assert.deepEqual([md.errorCode, md.baseOffset], [0, '0']);
});

test('bad admin requests get Kafka\'s errors', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const fast = ctx.kafka({ retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 1 } });
  const admin = await ctx.admin({}, fast);
  await rejectsWithType(
    admin.createTopics({ topics: [{ topic: 'bad name!' }] }),
    'INVALID_TOPIC_EXCEPTION', 'a name outside [a-zA-Z0-9._-]',
  );
  await rejectsWithType(
    admin.createTopics({ topics: [{ topic: uniqueName('rf3'), replicationFactor: 3 }] }),
    'INVALID_REPLICATION_FACTOR', 'replication factor 3 on one broker',
  );
  const topic = uniqueName('configs');
  assert.equal(await admin.createTopics({ topics: [{ topic }] }), true);
  await rejectsWithType(
    admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'cleanup.policy', value: 'squash' }] }],
    }),
    'INVALID_CONFIG', 'cleanup.policy=squash (neither compact nor delete)',
  );
  await rejectsWithType(
    admin.createPartitions({ topicPartitions: [{ topic: uniqueName('absent'), count: 2 }] }),
    'UNKNOWN_TOPIC_OR_PARTITION', 'createPartitions of a missing topic',
  );
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(topics[0].partitions.length, 1, 'the defaults ([kafka] num_partitions 1)');
});
