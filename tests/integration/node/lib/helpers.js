'use strict';
// Shared helpers for the amqplib integration tests.
//
// Environment: AMQP_HOST (127.0.0.1), AMQP_PORT (5672), AMQP_USER (guest),
// AMQP_PASSWORD (guest), AMQP_VHOST (/).

const amqp = require('amqplib');
const crypto = require('node:crypto');

const HOST = process.env.AMQP_HOST || '127.0.0.1';
const PORT = Number.parseInt(process.env.AMQP_PORT || '5672', 10);
const USER = process.env.AMQP_USER || 'guest';
const PASSWORD = process.env.AMQP_PASSWORD || 'guest';
const VHOST = process.env.AMQP_VHOST || '/';

/** How long to wait for anything the broker should send. */
const RECEIVE_TIMEOUT_MS = 5000;

/** Options for each test: a hung broker fails the test instead of the whole run. */
const TEST_OPTIONS = { timeout: Number.parseInt(process.env.NODE_TEST_CASE_TIMEOUT_MS || '15000', 10) };

/** Prefix shared by every queue and exchange of this process. */
const RUN_ID = `polymq.it.node.${Date.now().toString(36)}.${crypto.randomBytes(3).toString('hex')}`;

function connectOptions() {
  return {
    protocol: 'amqp',
    hostname: HOST,
    port: PORT,
    username: USER,
    password: PASSWORD,
    vhost: VHOST,
  };
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

/**
 * An async FIFO: push() from callbacks, `await next()` in the test.
 */
class Inbox {
  constructor(label) {
    this.label = label;
    this.items = [];
    this.waiters = [];
  }

  push(item) {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(item);
    } else {
      this.items.push(item);
    }
  }

  get size() {
    return this.items.length;
  }

  next(what = this.label, ms = RECEIVE_TIMEOUT_MS) {
    if (this.items.length > 0) {
      return Promise.resolve(this.items.shift());
    }
    let waiter;
    const p = new Promise((resolve) => {
      waiter = resolve;
      this.waiters.push(resolve);
    });
    return within(p, ms, what).catch((err) => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      throw err;
    });
  }

  async take(n, what = this.label) {
    const out = [];
    for (let i = 0; i < n; i++) {
      out.push(await this.next(`${what} #${i}`));
    }
    return out;
  }

  /** Resolves with whatever arrived within `ms` beyond what was consumed. */
  async extra(ms) {
    await sleep(ms);
    return this.items.splice(0);
  }
}

/**
 * Per-file context: tracks connections, queues and exchanges so that
 * cleanup() can remove everything even after a failed assertion.
 */
class Context {
  constructor(area) {
    this.area = area;
    this.connections = [];
    this.queues = new Set();
    this.exchanges = new Set();
    this.counter = 0;
  }

  name(what) {
    this.counter += 1;
    return `${RUN_ID}.${this.area}.${what}.${this.counter}`;
  }

  queue(what) {
    const q = this.name(what);
    this.queues.add(q);
    return q;
  }

  exchange(what) {
    const x = this.name(what);
    this.exchanges.add(x);
    return x;
  }

  async connect(label = this.area) {
    const conn = await amqp.connect(connectOptions(), {
      timeout: 5000,
      clientProperties: { connection_name: `polymq-it-node-${label}` },
    });
    // Connection errors surface through the promises of the operations that
    // caused them; keep an unexpected one from crashing the process.
    conn.on('error', () => {});
    this.connections.push(conn);
    return conn;
  }

  /** A channel whose 'error' events are recorded instead of thrown. */
  async channel(conn, { confirm = false } = {}) {
    const ch = confirm ? await conn.createConfirmChannel() : await conn.createChannel();
    ch.errors = [];
    ch.on('error', (err) => ch.errors.push(err));
    return ch;
  }

  async cleanup() {
    for (const conn of this.connections.splice(0)) {
      await closeOrDestroy(conn);
    }
    if (this.queues.size === 0 && this.exchanges.size === 0) {
      return;
    }
    let conn;
    try {
      conn = await amqp.connect(connectOptions(), { timeout: 5000 });
      conn.on('error', () => {});
      const run = async (op) => {
        let ch;
        try {
          ch = await conn.createChannel();
          ch.on('error', () => {});
          await op(ch);
          await ch.close();
        } catch {
          // already gone
        }
      };
      for (const q of this.queues) {
        await run((ch) => ch.deleteQueue(q));
      }
      for (const x of this.exchanges) {
        await run((ch) => ch.deleteExchange(x));
      }
      this.queues.clear();
      this.exchanges.clear();
    } catch (err) {
      process.stderr.write(`cleanup failed: ${err}\n`);
    } finally {
      if (conn) {
        await closeOrDestroy(conn);
      }
    }
  }
}

/** Closes a connection; drops the socket if the broker does not answer in time. */
async function closeOrDestroy(conn) {
  try {
    await within(conn.close(), 3000, 'connection close');
  } catch {
    // Already closed, or the broker did not reply with close-ok.
    const stream = conn.connection && conn.connection.stream;
    if (stream && !stream.destroyed) {
      stream.destroy();
    }
  }
}

/** Drains a queue with basic.get (no ack) and returns the bodies as strings. */
async function drain(ch, queue) {
  const out = [];
  for (;;) {
    const msg = await ch.get(queue, { noAck: true });
    if (msg === false) {
      return out;
    }
    out.push(msg.content.toString());
  }
}

module.exports = {
  amqp,
  HOST,
  PORT,
  USER,
  PASSWORD,
  VHOST,
  RUN_ID,
  RECEIVE_TIMEOUT_MS,
  TEST_OPTIONS,
  Context,
  Inbox,
  connectOptions,
  drain,
  sleep,
  within,
};
