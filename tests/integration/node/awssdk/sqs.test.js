'use strict';
// The AWS SDK for JavaScript v3's SQS client (@aws-sdk/client-sqs), which speaks AWS JSON 1.0
// (X-Amz-Target: AmazonSQS.<Action>) and checks the MD5 digests of what it sends and
// receives: queues, messages with attributes of every type, visibility, long polling, purge,
// the errors clients branch on (by their JSON __type), and SigV4 rejections.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  CancelMessageMoveTaskCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
} = require('@aws-sdk/client-sqs');
const { TEST_OPTIONS, sqsClient, startSqsBroker, uniqueName } = require('../lib/aws_helpers');

async function createQueue(sqs, name, attributes = {}) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl;
}

async function receive(sqs, QueueUrl, options = {}) {
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, ...options }));
  return Messages || [];
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('the request succeeded');
}

test('queues: create (idempotent), get its URL, list by prefix, attributes, delete', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const sqs = sqsClient(broker);
  const name = uniqueName('orders');
  const url = await createQueue(sqs, name, { VisibilityTimeout: '45', MessageRetentionPeriod: '3600' });
  assert.equal(url, `${broker.sqsEndpoint}/000000000000/${name}`);
  assert.equal(await createQueue(sqs, name, { VisibilityTimeout: '45' }), url);
  const other = await createQueue(sqs, uniqueName('invoices'));

  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  assert.equal(QueueUrl, url);
  const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders' }));
  assert.deepEqual(listed.QueueUrls, [url]);
  const all = await sqs.send(new ListQueuesCommand({}));
  assert.deepEqual([...all.QueueUrls].sort(), [url, other].sort());

  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  assert.equal(Attributes.VisibilityTimeout, '45');
  assert.equal(Attributes.MessageRetentionPeriod, '3600');
  assert.equal(Attributes.ApproximateNumberOfMessages, '0');
  assert.equal(Attributes.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${name}`);

  // A different value for an attribute the queue has: QueueAlreadyExists.
  const exists = await rejection(createQueue(sqs, name, { VisibilityTimeout: '10' }));
  assert.equal(exists.name, 'QueueNameExists');

  await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
  const gone = await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: name })));
  assert.equal(gone.name, 'QueueDoesNotExist');
  assert.equal(gone.$metadata.httpStatusCode, 400);
});

test('messages: attributes of every type round-trip and the SDK accepts their MD5 digests', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const sqs = sqsClient(broker);
  const url = await createQueue(sqs, uniqueName('attributes'));
  const binary = Uint8Array.from([0, 1, 2, 253, 254, 255]);
  const sent = await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: 'héllo wörld',
      MessageAttributes: {
        text: { DataType: 'String', StringValue: 'plain' },
        count: { DataType: 'Number', StringValue: '42' },
        blob: { DataType: 'Binary', BinaryValue: binary },
        label: { DataType: 'String.custom', StringValue: 'with a label' },
        'meta.origin': { DataType: 'String', StringValue: 'node' },
      },
    }),
  );
  // The SDK already compared these with its own digests; check they are AWS's values.
  assert.equal(sent.MD5OfMessageBody, require('node:crypto').createHash('md5').update('héllo wörld').digest('hex'));
  assert.match(sent.MD5OfMessageAttributes, /^[0-9a-f]{32}$/);
  assert.match(sent.MessageId, /^[0-9a-f-]{36}$/);

  const [message] = await receive(sqs, url, {
    MessageAttributeNames: ['All'],
    MessageSystemAttributeNames: ['All'],
    WaitTimeSeconds: 1,
  });
  assert.equal(message.MessageId, sent.MessageId);
  assert.equal(message.Body, 'héllo wörld');
  assert.equal(message.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
  assert.deepEqual(message.MessageAttributes.text, { DataType: 'String', StringValue: 'plain' });
  assert.deepEqual(message.MessageAttributes.count, { DataType: 'Number', StringValue: '42' });
  assert.deepEqual(message.MessageAttributes.label, { DataType: 'String.custom', StringValue: 'with a label' });
  assert.equal(message.MessageAttributes.blob.DataType, 'Binary');
  assert.deepEqual(Uint8Array.from(message.MessageAttributes.blob.BinaryValue), binary);
  assert.equal(message.Attributes.ApproximateReceiveCount, '1');
  assert.ok(Math.abs(Number(message.Attributes.SentTimestamp) - Date.now()) < 60000);
  assert.ok(Number(message.Attributes.ApproximateFirstReceiveTimestamp) >= Number(message.Attributes.SentTimestamp));

  assert.deepEqual(message.MessageAttributes['meta.origin'], { DataType: 'String', StringValue: 'node' });

  // Only the attributes asked for, by name or by AWS's `prefix.*`.
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
  const [again] = await receive(sqs, url, { MessageAttributeNames: ['meta.*', 'count'], WaitTimeSeconds: 2 });
  assert.deepEqual(Object.keys(again.MessageAttributes).sort(), ['count', 'meta.origin']);
});

test('visibility: a received message is hidden until its timeout, deleted by its receipt handle', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const sqs = sqsClient(broker);
  const url = await createQueue(sqs, uniqueName('visibility'));
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'once' }));

  const [first] = await receive(sqs, url, { VisibilityTimeout: 1 });
  assert.equal(first.Body, 'once');
  assert.deepEqual(await receive(sqs, url), []);
  const [second] = await receive(sqs, url, { WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
  assert.equal(second.Body, 'once');
  assert.equal(second.Attributes.ApproximateReceiveCount, '2');
  assert.notEqual(second.ReceiptHandle, first.ReceiptHandle);

  // The first receive's handle names a receive that is over: it deletes nothing, and the
  // request succeeds, as AWS specifies.
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
  const inFlight = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
  );
  assert.equal(inFlight.Attributes.ApproximateNumberOfMessagesNotVisible, '1');
  await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.ReceiptHandle }));
  const deleted = await rejection(
    sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: second.ReceiptHandle, VisibilityTimeout: 0 })),
  );
  assert.equal(deleted.name, 'InvalidParameterValue');
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  assert.deepEqual(Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });

  const bad = await rejection(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' })));
  assert.equal(bad.name, 'ReceiptHandleIsInvalid');
});

test('long polling answers as soon as a message arrives, and empty after WaitTimeSeconds', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const sqs = sqsClient(broker);
  const url = await createQueue(sqs, uniqueName('long-poll'));

  let started = Date.now();
  assert.deepEqual(await receive(sqs, url, { WaitTimeSeconds: 1 }), []);
  assert.ok(Date.now() - started >= 900, 'an empty long poll waits its WaitTimeSeconds');

  started = Date.now();
  const waiting = receive(sqs, url, { WaitTimeSeconds: 20 });
  const sending = sleep(300).then(() => sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' })));
  const [messages] = await Promise.all([waiting, sending]);
  assert.deepEqual(messages.map((m) => m.Body), ['wake up']);
  assert.ok(Date.now() - started < 15000, 'the poll returned when the message came, not at its end');
});

test('receive up to MaxNumberOfMessages in order; purge empties the queue', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const sqs = sqsClient(broker);
  const url = await createQueue(sqs, uniqueName('batch-receive'));
  for (let i = 0; i < 15; i += 1) {
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
  }
  const first = await receive(sqs, url, { MaxNumberOfMessages: 10 });
  assert.deepEqual(first.map((m) => m.Body), Array.from({ length: 10 }, (_, i) => `m${i}`));
  const tooMany = await rejection(receive(sqs, url, { MaxNumberOfMessages: 11 }));
  assert.equal(tooMany.name, 'InvalidParameterValue');

  await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  assert.equal(Attributes.ApproximateNumberOfMessages, '0');
});

test('bad input: unknown queue, missing body, oversized body', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const sqs = sqsClient(broker);
  const missing = await rejection(
    sqs.send(new SendMessageCommand({ QueueUrl: `${broker.sqsEndpoint}/000000000000/nope`, MessageBody: 'x' })),
  );
  assert.equal(missing.name, 'QueueDoesNotExist');

  const url = await createQueue(sqs, uniqueName('limits'), { MaximumMessageSize: '1024' });
  const empty = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' })));
  assert.equal(empty.name, 'MissingParameter');
  const big = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1025) })));
  assert.equal(big.name, 'InvalidParameterValue');
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1024) }));
});

test('dead-letter redrive: a move task sends dead-lettered messages back to their source', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const sqs = sqsClient(broker);
  const arnOf = async (QueueUrl) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes.QueueArn;
  const ready = async (QueueUrl) =>
    Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] })))
      .Attributes.ApproximateNumberOfMessages);
  const dlq = await createQueue(sqs, uniqueName('dlq'));
  const dlqArn = await arnOf(dlq);
  const src = await createQueue(sqs, uniqueName('work'), {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
  });
  const sent = new Map();
  for (const body of ['one', 'two', 'three']) {
    sent.set(body, (await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: body }))).MessageId);
  }
  let received = 0;
  while (received < 3) received += (await receive(sqs, src, { MaxNumberOfMessages: 10, VisibilityTimeout: 1 })).length;
  while ((await ready(dlq)) < 3) await sleep(100);

  const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
  assert.ok(TaskHandle);
  let task;
  for (;;) {
    [task] = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results;
    if (task.Status !== 'RUNNING') break;
    await sleep(50);
  }
  assert.equal(task.Status, 'COMPLETED');
  assert.equal(task.ApproximateNumberOfMessagesMoved, 3);
  assert.equal(task.ApproximateNumberOfMessagesToMove, 3);
  assert.equal(task.DestinationArn, undefined);
  const back = await receive(sqs, src, { MaxNumberOfMessages: 10 });
  assert.deepEqual(new Map(back.map((m) => [m.Body, m.MessageId])), sent);
  assert.equal(await ready(dlq), 0);

  // Errors by their JSON __type: a queue that is nobody's dead-letter queue, an unknown task.
  const notDlq = await rejection(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: await arnOf(src) })));
  assert.equal(notDlq.name, 'InvalidParameterValue');
  const handle = Buffer.from(JSON.stringify({ taskId: 'nope', sourceArn: dlqArn })).toString('base64');
  const unknown = await rejection(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: handle })));
  assert.equal(unknown.name, 'ResourceNotFoundException');
  assert.equal(unknown.$metadata.httpStatusCode, 404);
});

test('SigV4: an unknown access key and a wrong secret are refused as AWS refuses them', TEST_OPTIONS, async (t) => {
  const broker = await startSqsBroker(t);
  const unknown = await rejection(
    sqsClient(broker, { accessKeyId: 'nobody', secretAccessKey: 'guest' }).send(new ListQueuesCommand({})),
  );
  assert.equal(unknown.name, 'InvalidClientTokenId');
  assert.equal(unknown.$metadata.httpStatusCode, 403);
  const wrong = await rejection(
    sqsClient(broker, { accessKeyId: 'guest', secretAccessKey: 'wrong' }).send(new ListQueuesCommand({})),
  );
  assert.equal(wrong.name, 'SignatureDoesNotMatch');
  assert.equal(wrong.$metadata.httpStatusCode, 403);
});
