'use strict';
// kafkajs consumer groups (the classic protocol, this broker the coordinator): two members
// split a 4-partition topic, one leaves and the other takes over every partition, and a new
// member resumes after the group's committed offsets.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  Collector,
  KafkaTest,
  REBALANCE_TIMEOUT_MS,
  TEST_OPTIONS,
  str,
  sleep,
  uniqueName,
  waitFor,
} = require('../lib/kafka_helpers');

const PARTITIONS = [0, 1, 2, 3];

/** Messages `${tag}-${p}-${i}` for i < perPartition on each partition p, sent in one request. */
async function produceEach(producer, topic, tag, perPartition) {
  const messages = PARTITIONS.flatMap((partition) => Array.from({ length: perPartition }, (_, i) => ({
    partition, key: `${tag}-${partition}`, value: `${tag}-${partition}-${i}`,
  })));
  const result = await producer.send({ topic, messages });
  assert.ok(result.every((md) => md.errorCode === 0), JSON.stringify(result));
  return messages.map((m) => m.value);
}

/** The group's committed offsets of `topic` as { partition: offset } (strings, -1: none). */
async function committed(admin, groupId, topic) {
  const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries(partitions.map((p) => [p.partition, p.offset]));
}

async function endOffsets(admin, topic) {
  return Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
}

const sorted = (list) => [...list].sort();

test('two consumers split a topic, one leaves, a new member resumes after the committed offsets', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const admin = await ctx.admin();
  const topic = uniqueName('split');
  const groupId = uniqueName('group');
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] }), true);
  const producer = await ctx.producer();

  // Two members; the group settles with two partitions each (kafkajs's round robin assignor) before any
  // record is produced, so every record has exactly one owner.
  const received = new Collector('group');
  const a = await ctx.consumer({ groupId });
  const b = await ctx.consumer({ groupId });
  await a.subscribe({ topics: [topic], fromBeginning: true });
  await b.subscribe({ topics: [topic], fromBeginning: true });
  await a.run({ eachMessage: received.handler('a') });
  await waitFor(() => KafkaTest.assigned(a, topic)?.length === 4, REBALANCE_TIMEOUT_MS, 'a alone owns all 4 partitions');
  await b.run({ eachMessage: received.handler('b') });
  await waitFor(() => {
    const pa = KafkaTest.assigned(a, topic);
    const pb = KafkaTest.assigned(b, topic);
    return pa && pb && pa.length === 2 && pb.length === 2 &&
      sorted([...pa, ...pb].map(String)).join() === '0,1,2,3';
  }, REBALANCE_TIMEOUT_MS, 'a and b with two partitions each');
  const partsA = KafkaTest.assigned(a, topic);
  const partsB = KafkaTest.assigned(b, topic);
  const [joinA, joinB] = [a.joins.at(-1), b.joins.at(-1)];
  assert.notEqual(joinA.memberId, joinB.memberId, 'two members');
  assert.equal(joinA.leaderId, joinB.leaderId, 'one leader');
  assert.equal([joinA, joinB].filter((j) => j.isLeader).length, 1, 'one leader');
  assert.equal(joinA.groupProtocol, 'RoundRobinAssigner');

  const first = await produceEach(producer, topic, 'first', 10);
  await received.waitForCount(first.length);
  await sleep(500);
  ctx.assertNoCrash();
  assert.deepEqual(sorted(received.messages.map((m) => str(m.value))), sorted(first), 'each record read exactly once');
  for (const m of received.messages) {
    const owner = m.consumer === 'a' ? partsA : partsB;
    assert.ok(owner.includes(m.partition), `${m.consumer} read partition ${m.partition}, assigned ${owner}`);
  }
  assert.ok(received.messages.some((m) => m.consumer === 'a') && received.messages.some((m) => m.consumer === 'b'), 'both consumed');
  // kafkajs commits after each batch: the group's offsets reach the end of every partition.
  const ends = await endOffsets(admin, topic);
  assert.deepEqual(ends, { 0: '10', 1: '10', 2: '10', 3: '10' });
  await waitFor(async () => JSON.stringify(await committed(admin, groupId, topic)) === JSON.stringify(ends), 10000, 'offsets committed');

  const described = await admin.describeGroups([groupId]);
  const [group] = described.groups;
  assert.equal(group.state, 'Stable');
  assert.equal(group.protocolType, 'consumer');
  assert.equal(group.members.length, 2);

  // b leaves (LeaveGroup): a rebalances and owns every partition.
  const joinsBefore = a.joins.length;
  await b.disconnect();
  ctx.forget(b);
  await waitFor(() => a.joins.length > joinsBefore && KafkaTest.assigned(a, topic).length === 4, REBALANCE_TIMEOUT_MS, 'a owning all 4 partitions after b left');
  received.messages.length = 0;
  const second = await produceEach(producer, topic, 'second', 5);
  await received.waitForCount(second.length);
  await sleep(500);
  ctx.assertNoCrash();
  assert.deepEqual(sorted(received.messages.map((m) => str(m.value))), sorted(second), 'a reads all new records and nothing committed before');
  assert.ok(received.messages.every((m) => m.consumer === 'a'));
  const ends2 = await endOffsets(admin, topic);
  await waitFor(async () => JSON.stringify(await committed(admin, groupId, topic)) === JSON.stringify(ends2), 10000, 'offsets committed by a');

  // a leaves too; records produced while the group is empty are read by a new member, which
  // starts at the committed offsets (fromBeginning only applies without one).
  await a.disconnect();
  ctx.forget(a);
  await waitFor(async () => {
    const [g] = (await admin.describeGroups([groupId])).groups;
    return g.state === 'Empty' && g.members.length === 0;
  }, 10000, 'the group empty');
  const third = await produceEach(producer, topic, 'third', 3);
  const resumed = new Collector('c');
  const c = await ctx.consumer({ groupId });
  await c.subscribe({ topics: [topic], fromBeginning: true });
  await c.run({ eachMessage: resumed.handler('c') });
  await resumed.waitForCount(third.length);
  await sleep(1000); // anything already committed would have come first
  ctx.assertNoCrash();
  assert.deepEqual(sorted(resumed.messages.map((m) => str(m.value))), sorted(third), 'only the records after the committed offsets');
  assert.deepEqual(KafkaTest.assigned(c, topic), PARTITIONS);
  for (const p of PARTITIONS) {
    const offsets = resumed.messages.filter((m) => m.partition === p).map((m) => m.offset);
    assert.deepEqual(offsets, [15, 16, 17], `offsets read on partition ${p}`);
  }
});

test('listGroups, setOffsets and deleteGroups', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  const admin = await ctx.admin();
  const topic = uniqueName('groupadmin');
  const groupId = uniqueName('group');
  assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] }), true);
  const producer = await ctx.producer();
  await producer.send({ topic, messages: [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }] });

  const got = new Collector('g');
  const consumer = await ctx.consumer({ groupId });
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: got.handler() });
  await got.waitForCount(2);
  assert.ok((await admin.listGroups()).groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'), 'listed');
  await waitFor(async () => JSON.stringify(await committed(admin, groupId, topic)) === '{"0":"1","1":"1"}', 10000, 'offsets committed');

  // A group with members cannot be deleted: NON_EMPTY_GROUP.
  await assert.rejects(admin.deleteGroups([groupId]), (err) => {
    assert.equal(err.name, 'KafkaJSDeleteGroupsError');
    assert.equal(err.groups[0].error.type, 'NON_EMPTY_GROUP');
    return true;
  });
  await consumer.disconnect();
  ctx.forget(consumer);

  // setOffsets (kafkajs commits them through a paused member of the group): partition 0
  // back to its start, partition 1 past its record. A new member reads 'a' again, only.
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }, { partition: 1, offset: '1' }] });
  assert.deepEqual(await committed(admin, groupId, topic), { 0: '0', 1: '1' }, 'set');
  const again = new Collector('again');
  const rejoined = await ctx.consumer({ groupId });
  await rejoined.subscribe({ topics: [topic] });
  await rejoined.run({ eachMessage: again.handler() });
  await again.waitForCount(1);
  await sleep(1000);
  ctx.assertNoCrash();
  assert.deepEqual(again.messages.map((m) => [m.partition, m.offset, str(m.value)]), [[0, 0, 'a']]);
  await waitFor(async () => JSON.stringify(await committed(admin, groupId, topic)) === '{"0":"1","1":"1"}', 10000, 'offsets committed again');
  await rejoined.disconnect();
  ctx.forget(rejoined);

  const [deleted] = await admin.deleteGroups([groupId]);
  assert.equal(deleted.groupId, groupId);
  assert.equal(deleted.errorCode, 0);
  assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === groupId), 'deleted group still listed');
  assert.deepEqual(await committed(admin, groupId, topic), { 0: '-1', 1: '-1' }, 'its offsets are gone');
});
