'use strict';
// SASL logins with kafkajs (SaslHandshake v1, then SaslAuthenticate): PLAIN, SCRAM-SHA-256 and
// SCRAM-SHA-512 as the default guest user (guest/guest, loopback only) and as a configured
// user; a wrong password fails with an authentication error and the broker logs the refusal.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const {
  Collector,
  KafkaTest,
  TEST_OPTIONS,
  describeError,
  str,
  uniqueName,
  waitFor,
} = require('../lib/kafka_helpers');

const MECHANISMS = [
  ['plain', 'PLAIN'],
  ['scram-sha-256', 'SCRAM-SHA-256'],
  ['scram-sha-512', 'SCRAM-SHA-512'],
];

// A configured user, and no guest: the config's users replace the default guest.
const CONFIG = `[[users]]
name = "app"
password = "s3cret"
loopback_only = false
`;

function saslClient(ctx, mechanism, username, password) {
  return ctx.kafka({
    sasl: { mechanism, username, password },
    retry: { initialRetryTime: 100, maxRetryTime: 500, retries: 0 },
  });
}

test('guest/guest logs in with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512; a wrong password is refused', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t);
  for (const [mechanism, name] of MECHANISMS) {
    const admin = await ctx.admin({}, saslClient(ctx, mechanism, 'guest', 'guest'));
    const topic = uniqueName(`sasl-${mechanism}`);
    assert.equal(await admin.createTopics({ topics: [{ topic }] }), true, `${name}: an admin request after the login`);
    assert.ok((await admin.listTopics()).includes(topic));
    await waitFor(() => ctx.broker.logText().includes(`user 'guest' logged in with ${name}`), 5000, `the ${name} login in the broker log`);

    const wrong = ctx.kafka({ sasl: { mechanism, username: 'guest', password: 'wrong' }, retry: { retries: 0 } });
    const refused = wrong.admin();
    ctx.track('admin', refused);
    await assert.rejects(refused.connect(), (err) => {
      assert.equal(err.name, 'KafkaJSSASLAuthenticationError', `${name}: ${describeError(err)}`);
      return true;
    }, `${name} with a wrong password`);
    await waitFor(() => ctx.broker.logText().includes(`SASL ${name} login failed`), 5000, `the failed ${name} login in the broker log`);
  }
});

test('a configured user logs in with each mechanism; without a login and without a guest nothing is served', TEST_OPTIONS, async (t) => {
  const ctx = await KafkaTest.start(t, { config: CONFIG });
  const topics = [];
  for (const [mechanism, name] of MECHANISMS) {
    const kafka = saslClient(ctx, mechanism, 'app', 's3cret');
    const topic = uniqueName(`app-${mechanism}`);
    topics.push(topic);
    const producer = await ctx.producer({}, kafka);
    const [md] = await producer.send({ topic, messages: [{ key: 'k', value: `by app with ${name}` }] });
    assert.deepEqual([md.errorCode, md.baseOffset], [0, '0']);
    const admin = await ctx.admin({}, kafka);
    const [offsets] = await admin.fetchTopicOffsets(topic);
    assert.deepEqual([offsets.low, offsets.high], ['0', '1']);
    assert.ok(ctx.broker.logText().includes(`user 'app' logged in with ${name}`), `${name} login logged`);
  }
  // A group consumer logged in with SCRAM-SHA-512 reads the three records back.
  const kafka = saslClient(ctx, 'scram-sha-512', 'app', 's3cret');
  const got = new Collector('app');
  const consumer = await ctx.consumer({ groupId: uniqueName('app-group') }, kafka);
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({ eachMessage: got.handler() });
  await got.waitForCount(3);
  ctx.assertNoCrash();
  assert.deepEqual(got.messages.map((m) => str(m.value)).sort(), MECHANISMS.map(([, name]) => `by app with ${name}`).sort());

  // Wrong user name and wrong password alike.
  for (const [username, password] of [['app', 'S3cret'], ['nobody', 's3cret']]) {
    const refused = saslClient(ctx, 'scram-sha-256', username, password).producer();
    ctx.track('producer', refused);
    await assert.rejects(refused.connect(), { name: 'KafkaJSSASLAuthenticationError' }, `${username}/${password}`);
  }
  // Without SASL the connection would be the guest's, and there is none: the broker closes
  // it at the first request after ApiVersions (kafkajs's connect() sends only ApiVersions).
  const anonymous = ctx.kafka({ retry: { retries: 0 } }).admin();
  ctx.track('admin', anonymous);
  const listed = (async () => {
    await anonymous.connect();
    return anonymous.listTopics();
  })();
  await assert.rejects(listed, (err) => {
    assert.match(describeError(err), /Connection|closed/i, describeError(err));
    return true;
  });
  assert.ok(ctx.broker.logText().includes('no SASL login, and there is no guest user'), 'the reason in the broker log');
});
