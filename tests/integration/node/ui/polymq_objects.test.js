'use strict';
// The web UI's pages of the other protocols' objects (/api/polymq): the Kafka page (topics with
// their partitions' offsets, consumer groups with their lag, one group's members and offsets)
// and the SQS / SNS page (queues with their message counts, topics, subscriptions), filled by
// real clients (kafkajs, the AWS SDK v3) and following them live.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} = require('@aws-sdk/client-sqs');
const { CreateTopicCommand, SubscribeCommand } = require('@aws-sdk/client-sns');
const { KafkaTest, REBALANCE_TIMEOUT_MS, RECEIVE_TIMEOUT_MS, Collector, waitFor } = require('../lib/kafka_helpers');
const { snsClient, sqsClient } = require('../lib/aws_helpers');
const { TEST_OPTIONS, apiCall, login, openPage, waitForText } = require('../lib/ui_helpers');

const TOPIC = 'ui-orders';
const GROUP = 'ui-billing';

/** Topic TOPIC (2 partitions) with 3 records on partition 0 and 2 on partition 1, and group
 * GROUP with one running member that committed offsets 2 and 1: a lag of 1 + 1. */
async function kafkaObjects(ctx) {
  const admin = await ctx.admin();
  assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] }), true);
  const producer = await ctx.producer();
  const records = (partition, n) => Array.from({ length: n }, (_, i) => ({ partition, value: `p${partition}-${i}` }));
  await producer.send({ topic: TOPIC, messages: [...records(0, 3), ...records(1, 2)] });

  const consumer = await ctx.consumer({ groupId: GROUP });
  const received = new Collector(GROUP);
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: received.handler() });
  await waitFor(() => KafkaTest.assigned(consumer, TOPIC)?.length === 2, REBALANCE_TIMEOUT_MS, 'the member owns both partitions');
  await received.waitForCount(5, RECEIVE_TIMEOUT_MS);
  await consumer.commitOffsets([
    { topic: TOPIC, partition: 0, offset: '2' },
    { topic: TOPIC, partition: 1, offset: '1' },
  ]);
  return producer;
}

test('the Kafka and SQS / SNS pages show the objects of those protocols and follow them live', TEST_OPTIONS, async (t) => {
  const page = await openPage(t);
  const ctx = await KafkaTest.start(t, { kafka: true, sqs: true, management: true });
  const { broker } = ctx;
  const producer = await kafkaObjects(ctx);
  const [group] = (await apiCall(broker, 'GET', '/polymq/kafka/groups')).body;
  assert.equal(group.lag, 2, JSON.stringify(group)); // what the page must show

  const sqs = sqsClient(broker);
  const { QueueUrl: dlqUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ui-jobs-dlq' }));
  const { Attributes: dlq } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: 'ui-jobs',
      Attributes: {
        VisibilityTimeout: '300',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.QueueArn, maxReceiveCount: 3 }),
      },
    })
  );
  for (const body of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 900 }));
  const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
  assert.equal(received.Messages.length, 1);

  const sns = snsClient(broker);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'ui-events', Attributes: { DisplayName: 'UI events' } }));
  const { Attributes: jobs } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: jobs.QueueArn,
      Attributes: { RawMessageDelivery: 'true', FilterPolicy: '{"kind":["job"]}' },
    })
  );

  await login(page, broker);
  await page.waitForSelector('#nav a[data-tab="kafka"]:not([hidden])');
  await page.waitForSelector('#nav a[data-tab="sqs"]:not([hidden])');

  // Kafka: the topic's counts, its partitions' offsets when opened, the group's lag.
  await page.click('#nav a[data-tab="kafka"]');
  const topicRow = `#kafka-topics-table tr[data-name="${TOPIC}"]`;
  await waitForText(page, `${topicRow} td.messages`, (text) => text === '5');
  assert.equal(await page.$eval(`${topicRow} td.partitions`, (el) => el.textContent), '2');
  await page.click(`${topicRow} button.toggle`);
  const partition = (p, column) => `#kafka-topics-table tr[data-detail-of="${TOPIC}"] tr[data-partition="${p}"] td.${column}`;
  await waitForText(page, partition(0, 'high-watermark'), (text) => text === '3');
  assert.equal(await page.$eval(partition(1, 'high-watermark'), (el) => el.textContent), '2');
  assert.equal(await page.$eval(partition(0, 'log-start'), (el) => el.textContent), '0');
  const groupRow = `#kafka-groups-table tr[data-name="${GROUP}"]`;
  await waitForText(page, `${groupRow} td.lag`, (text) => text === '2');
  assert.equal(await page.$eval(`${groupRow} td.state`, (el) => el.textContent), 'Stable');
  assert.equal(await page.$eval(`${groupRow} td.members`, (el) => el.textContent), '1');

  // One more record on partition 1: the counts, the opened partitions and the lag follow
  // without a reload.
  await producer.send({ topic: TOPIC, messages: [{ partition: 1, value: 'p1-2' }] });
  await waitForText(page, `${groupRow} td.lag`, (text) => text === '3');
  await waitForText(page, `${topicRow} td.messages`, (text) => text === '6');
  await waitForText(page, partition(1, 'high-watermark'), (text) => text === '3');

  // The group: its member with both partitions, each partition's committed offset and lag.
  await page.click(`${groupRow} td.name a`);
  await waitForText(page, '#group-lag', (text) => text === '3');
  assert.equal(await page.$eval('#group-state', (el) => el.textContent), 'Stable');
  assert.equal(await page.$eval('#group-members td.assignment', (el) => el.textContent), `${TOPIC}: 0, 1`);
  const offset = (p, column) => page.$eval(`#group-offsets tr[data-partition="${p}"] td.${column}`, (el) => el.textContent);
  assert.deepEqual(
    [await offset(0, 'committed'), await offset(0, 'high-watermark'), await offset(0, 'lag')],
    ['2', '3', '1']
  );
  assert.deepEqual(
    [await offset(1, 'committed'), await offset(1, 'high-watermark'), await offset(1, 'lag')],
    ['1', '3', '2']
  );

  // SQS / SNS: the queue's counts from its attributes, the topic and its subscription.
  await page.click('#nav a[data-tab="sqs"]');
  const queueRow = '#sqs-queues-table tr[data-name="ui-jobs"]';
  await waitForText(page, `${queueRow} td.available`, (text) => text === '2');
  const cell = (row, column) => page.$eval(`${row} td.${column}`, (el) => el.textContent);
  assert.equal(await cell(queueRow, 'in-flight'), '1');
  assert.equal(await cell(queueRow, 'delayed'), '1');
  assert.equal(await cell(queueRow, 'visibility'), '300 s');
  assert.equal(await cell(queueRow, 'dlq'), 'ui-jobs-dlq');
  assert.equal(await cell(queueRow, 'fifo'), 'no');
  const topicsRow = '#sns-topics-table tr[data-name="ui-events"]';
  await waitForText(page, `${topicsRow} td.confirmed`, (text) => text === '1');
  assert.equal(await cell(topicsRow, 'pending'), '0');
  const subscription = '#sns-subscriptions-table tbody tr';
  assert.equal(await cell(subscription, 'topic'), 'ui-events');
  assert.equal(await cell(subscription, 'protocol'), 'sqs');
  assert.equal(await cell(subscription, 'endpoint'), 'ui-jobs');
  assert.equal(await cell(subscription, 'confirmation'), 'confirmed');
  assert.equal(await cell(subscription, 'raw'), 'yes');
  assert.equal(await cell(subscription, 'filter-policy'), '{"kind":["job"]}');

  // One more message: the count follows without a reload.
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'd' }));
  await waitForText(page, `${queueRow} td.available`, (text) => text === '3');
  assert.equal(await page.$eval('#status', (el) => el.hidden), true);
  assert.deepEqual(page.problems, []);
});
