'use strict';
// Shared helpers for the kafkajs integration tests: a broker of the test's own (started with
// lib/polymq_process.js) and kafkajs clients that are disconnected before it is stopped.
//
// Environment: POLYMQ_BIN (the broker binary), KAFKAJS_LOG_LEVEL (NOTHING, ERROR, WARN, INFO
// or DEBUG; default NOTHING), KAFKAJS_TEST_CASE_TIMEOUT_MS (each test; default 60000).

const crypto = require('node:crypto');
const { Kafka, logLevel } = require('kafkajs');
const { startBroker } = require('./polymq_process');

// kafkajs 2 warns once about its default partitioner having changed; these tests do not
// depend on the old one.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

/** Options for each test: a hung client or broker fails the test, not the whole run. */
const TEST_OPTIONS = {
  timeout: Number.parseInt(process.env.KAFKAJS_TEST_CASE_TIMEOUT_MS || '60000', 10),
};

/** How long to wait for records to arrive or a group to settle (a noisy 2-core machine). */
const RECEIVE_TIMEOUT_MS = 20000;
const REBALANCE_TIMEOUT_MS = 30000;

const LOG_LEVEL = logLevel[(process.env.KAFKAJS_LOG_LEVEL || 'NOTHING').toUpperCase()] ?? logLevel.NOTHING;

/** Prefix of this process's topic and group names. */
const RUN_ID = `it-kafkajs-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
let counter = 0;

/** A topic or group name unique to this process: [a-zA-Z0-9._-] only, as Kafka requires. */
function uniqueName(what) {
  counter += 1;
  return `${RUN_ID}.${what}.${counter}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects if `promise` does not settle within `ms`. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` (sync or async) every 50 ms until it returns a truthy value, which it returns. */
async function waitFor(check, ms, what) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) {
        return value;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ''}`);
    }
    await sleep(50);
  }
}

/** The next error inside a kafkajs error: the one it wraps, or the first of an aggregate. */
function inner(e) {
  return e.originalError || e.cause || (Array.isArray(e.errors) ? e.errors[0] : undefined);
}

/** Follows kafkajs's wrapping (retries exceeded, non-retriable, aggregate ...) to the
 * protocol error, the first with a `type` (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
function rootCause(err) {
  let e = err;
  const seen = new Set();
  while (e && !seen.has(e)) {
    seen.add(e);
    if (e.type) {
      return e;
    }
    e = inner(e);
  }
  return err;
}

/** Every error kafkajs wrapped, outermost first: `name: message [type]`, for assertion messages. */
function describeError(err) {
  const parts = [];
  let e = err;
  const seen = new Set();
  while (e && !seen.has(e)) {
    seen.add(e);
    parts.push(`${e.name}: ${e.message}${e.type ? ` [${e.type}]` : ''}`);
    e = inner(e);
  }
  return parts.join(' <- ');
}

/**
 * Records what a consumer's eachMessage receives; `await waitForCount(n)` in the test.
 * Each entry: { topic, partition, offset (number), key, value (Buffers or null), headers,
 * timestamp (string of ms), consumer (label) }.
 */
class Collector {
  constructor(label = 'consumer') {
    this.label = label;
    this.messages = [];
  }

  /** An eachMessage handler that records into this collector under `label`. */
  handler(label = this.label) {
    return async ({ topic, partition, message }) => {
      this.messages.push({
        topic,
        partition,
        offset: Number(message.offset),
        key: message.key,
        value: message.value,
        headers: message.headers,
        timestamp: message.timestamp,
        consumer: label,
      });
    };
  }

  waitForCount(n, ms = RECEIVE_TIMEOUT_MS, what = `${n} messages for ${this.label}`) {
    return waitFor(() => this.messages.length >= n, ms, `${what} (have ${this.messages.length})`);
  }
}

/**
 * Per-test context: a started broker with a Kafka listener (`options` as for
 * polymq_process.Broker) and factories of connected kafkajs clients. When the test ends,
 * whatever happened, the clients are disconnected (newest first) and then the broker is
 * stopped and checked (clean exit, no sanitizer report).
 */
class KafkaTest {
  constructor(t) {
    this.t = t;
    this.broker = null;
    this.clients = []; // { what, client } with a disconnect()
    this.crashes = []; // consumer CRASH event payloads
  }

  static async start(t, options = {}) {
    const ctx = new KafkaTest(t);
    // Registered before the broker's own after hook, so it runs first.
    t.after(() => ctx.disconnectAll());
    ctx.broker = await startBroker(t, options);
    return ctx;
  }

  /** A kafkajs client of this broker; `config` overrides the defaults (e.g. sasl, retry). */
  kafka(config = {}) {
    return new Kafka({
      clientId: 'polymq-it-kafkajs',
      brokers: [this.broker.kafkaBroker],
      logLevel: LOG_LEVEL,
      connectionTimeout: 5000,
      requestTimeout: 15000,
      retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 8 },
      ...config,
    });
  }

  track(what, client) {
    this.clients.push({ what, client });
    return client;
  }

  async producer(options = {}, kafka = this.kafka()) {
    const producer = this.track('producer', kafka.producer(options));
    await producer.connect();
    return producer;
  }

  async admin(options = {}, kafka = this.kafka()) {
    const admin = this.track('admin', kafka.admin(options));
    await admin.connect();
    return admin;
  }

  /**
   * A connected group consumer with timeouts short enough for quick rebalances. Its GROUP_JOIN
   * events are kept in `consumer.joins` (newest last: { memberId, isLeader,
   * memberAssignment }); a crash is recorded in ctx.crashes and fails assertNoCrash().
   */
  async consumer(options = {}, kafka = this.kafka()) {
    const consumer = this.track(
      'consumer',
      kafka.consumer({
        sessionTimeout: 10000,
        rebalanceTimeout: 10000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 250,
        retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 10 },
        ...options,
      }),
    );
    consumer.joins = [];
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => consumer.joins.push(payload));
    consumer.on(consumer.events.CRASH, ({ payload }) => this.crashes.push(payload));
    await consumer.connect();
    return consumer;
  }

  /** Partitions of `topic` assigned to `consumer` by its latest join (sorted), or null. */
  static assigned(consumer, topic) {
    const last = consumer.joins.at(-1);
    if (!last) {
      return null;
    }
    return [...(last.memberAssignment[topic] || [])].sort((a, b) => a - b);
  }

  assertNoCrash() {
    if (this.crashes.length > 0) {
      const { error } = this.crashes[0];
      throw new Error(`a consumer crashed: ${describeError(error)}`);
    }
  }

  async disconnectAll() {
    for (const { client } of this.clients.splice(0).reverse()) {
      try {
        await within(client.disconnect(), 15000, 'kafkajs disconnect');
      } catch (err) {
        process.stderr.write(`kafkajs disconnect failed: ${err.message}\n`);
      }
    }
  }

  /** Removes a client from the cleanup list (after the test disconnected it itself). */
  forget(client) {
    this.clients = this.clients.filter((c) => c.client !== client);
  }
}

/** Buffer or string or null -> string or null, for comparisons. */
function str(b) {
  return b === null || b === undefined ? null : b.toString();
}

/** kafkajs headers (values: Buffer or an array of them for a repeated key) -> plain strings. */
function headersToStrings(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers || {})) {
    out[k] = Array.isArray(v) ? v.map(str) : str(v);
  }
  return out;
}

module.exports = {
  Collector,
  KafkaTest,
  RECEIVE_TIMEOUT_MS,
  REBALANCE_TIMEOUT_MS,
  RUN_ID,
  TEST_OPTIONS,
  describeError,
  headersToStrings,
  rootCause,
  sleep,
  str,
  uniqueName,
  waitFor,
  within,
};
