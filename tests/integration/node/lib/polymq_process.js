'use strict';
// A private PolyMQ process for the Node suites that start their own broker (the kafkajs
// suite): the Node counterpart of tests/integration/common/polymq_process.py, with the same
// flags, readiness check and log handling.
//
// * Broker: one PolyMQ process on 127.0.0.1 (free AMQP and, as asked, Kafka, SQS and management ports
//   picked at every start) over a data directory in a fresh temporary work directory; its
//   output goes to <workdir>/<name>-<n>.log. stop() sends SIGTERM and fails when the broker
//   does not exit with status 0 or printed a sanitizer report; kill() sends SIGKILL.
// * startBroker(t, options): a started Broker that is stopped (and checked) when the test `t`
//   ends, whatever happened.
//
// POLYMQ_BIN names the binary (default: `polymq` on PATH). The work directory is removed
// after a clean stop and kept (its path printed) when something went wrong, or always when
// POLYMQ_KEEP_WORKDIR is set.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/;

function brokerBinary() {
  return process.env.POLYMQ_BIN || 'polymq';
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port that was free on 127.0.0.1 a moment ago. */
async function freePort() {
  return (await freePorts(1))[0];
}

/**
 * `n` distinct ports that were free on 127.0.0.1 a moment ago, held open together while they
 * are chosen: ports asked for one after another may repeat once the first is closed.
 */
async function freePorts(n) {
  const servers = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      server.unref();
      servers.push(server);
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0 }, resolve);
      });
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
  }
}

/** Whether 127.0.0.1:port accepts a TCP connection within 200 ms. */
function portAccepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

// Brokers still running when this process exits or is told to (a crash, the run's timeout:
// `timeout` and CTest signal the test processes, not the brokers, which have their own
// process group) are killed with their process group, so that none outlives the run.
const live = new Set();
function killLive() {
  for (const broker of live) {
    broker.killGroupSync();
  }
}
process.on('exit', killLive);
for (const [signal, number] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]]) {
  process.once(signal, () => {
    for (const broker of live) {
      process.stderr.write(`${signal}: killing the broker; work directory kept: ${broker.workdir}\n`);
    }
    killLive();
    process.exit(128 + number);
  });
}

class Broker {
  /**
   * @param {object} [options]
   * @param {string[]} [options.args]   extra command-line arguments
   * @param {object} [options.env]      extra environment variables
   * @param {boolean} [options.kafka]   listen for Kafka too (on kafkaPort)
   * @param {boolean} [options.sqs]     listen for SQS and SNS too (on sqsPort)
   * @param {boolean} [options.management] serve the management API and web UI too (on
   *                                    managementPort)
   * @param {string} [options.config]   text of a TOML file passed with --config
   * @param {string} [options.name]     prefix of the log files
   * @param {string} [options.binary]   default: POLYMQ_BIN
   */
  constructor({ args = [], env = {}, kafka = false, sqs = false, management = false, config = null, name = 'broker', binary } = {}) {
    this.workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'polymq-node-'));
    this.dataDir = path.join(this.workdir, 'data');
    this.args = [...args];
    if (config !== null) {
      const configPath = path.join(this.workdir, 'polymq.toml');
      fs.writeFileSync(configPath, config);
      this.args.push('--config', configPath);
    }
    // Brokers run side by side (suites, other builds): none takes Kafka's default port
    // 9092, nor SQS's 9324. With kafka: true each start listens for Kafka on a free port
    // (kafkaPort), with sqs: true for SQS and SNS (sqsPort), with management: true for the
    // management API and web UI (managementPort).
    this.env = {
      ...process.env,
      POLYMQ_KAFKA_PORT: '0',
      POLYMQ_SQS_PORT: '0',
      POLYMQ_MANAGEMENT_PORT: '0',
      ...env,
    };
    this.kafka = kafka;
    this.sqs = sqs;
    this.management = management;
    this.binary = binary || brokerBinary();
    this.name = name;
    this.proc = null;
    this.exit = null; // { code, signal } once the process has exited
    this.port = null;
    this.kafkaPort = null;
    this.sqsPort = null;
    this.managementPort = null;
    this.starts = 0;
    this.logs = []; // one log file per start
    this.startSeconds = null; // spawn -> ports accept, of the last start
  }

  /** Starts the process without waiting for its ports. */
  async spawn() {
    if (this.running()) {
      throw new Error('broker already running');
    }
    const [amqp, kafka, sqs, management] = await freePorts(4);
    this.port = amqp;
    this.kafkaPort = this.kafka ? kafka : null;
    this.sqsPort = this.sqs ? sqs : null;
    this.managementPort = this.management ? management : null;
    this.starts += 1;
    const logPath = path.join(this.workdir, `${this.name}-${this.starts}.log`);
    this.logs.push(logPath);
    const cmd = [
      '--bind', '127.0.0.1', '--amqp-port', String(this.port), '--data-dir', this.dataDir,
      ...this.args,
    ];
    if (this.kafka) {
      cmd.push('--kafka-port', String(this.kafkaPort));
    }
    if (this.sqs) {
      cmd.push('--sqs-port', String(this.sqsPort));
    }
    if (this.management) {
      cmd.push('--management-port', String(this.managementPort));
    }
    const log = fs.openSync(logPath, 'w');
    try {
      this.spawnedAt = process.hrtime.bigint();
      this.exit = null;
      const proc = spawn(this.binary, cmd, {
        env: this.env,
        stdio: ['ignore', log, log],
        detached: true, // its own process group (Python: start_new_session)
      });
      this.proc = proc;
      live.add(this);
      this.exited = new Promise((resolve) => {
        proc.once('error', (err) => {
          this.exit = { code: null, signal: null, error: err };
          live.delete(this);
          resolve(this.exit);
        });
        proc.once('exit', (code, signal) => {
          this.exit = { code, signal };
          live.delete(this);
          resolve(this.exit);
        });
      });
    } finally {
      fs.closeSync(log);
    }
    return this.proc;
  }

  async waitReady(timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit !== null) {
        throw new Error(`broker exited with ${describeExit(this.exit)} before listening:\n${this.logTail()}`);
      }
      if (
        (await portAccepts(this.port)) &&
        (!this.kafka || (await portAccepts(this.kafkaPort))) &&
        (!this.sqs || (await portAccepts(this.sqsPort))) &&
        (!this.management || (await portAccepts(this.managementPort)))
      ) {
        this.startSeconds = Number(process.hrtime.bigint() - this.spawnedAt) / 1e9;
        return this;
      }
      await sleep(20);
    }
    throw new Error(`broker did not listen on ${this.port}/${this.kafkaPort}/${this.sqsPort}/${this.managementPort} within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  async start(timeoutMs = 60000) {
    await this.spawn();
    return this.waitReady(timeoutMs);
  }

  running() {
    return this.proc !== null && this.exit === null;
  }

  /** The SQS and SNS endpoint, for an AWS SDK client's `endpoint`. */
  get sqsEndpoint() {
    return `http://127.0.0.1:${this.sqsPort}`;
  }

  /** The management API and web UI, e.g. for a browser: `http://127.0.0.1:<port>/`. */
  get managementUrl() {
    return `http://127.0.0.1:${this.managementPort}/`;
  }

  /** `host:port` of the Kafka listener, for a client's `brokers`. */
  get kafkaBroker() {
    return `127.0.0.1:${this.kafkaPort}`;
  }

  /**
   * SIGTERM; waits; resolves with the exit code. Rejects when the broker had already died,
   * does not exit in time (it is killed then) or exits non-zero, or its log has a sanitizer
   * report.
   */
  async stop(timeoutMs = 60000) {
    if (!this.running()) {
      throw new Error(`broker had died (${describeExit(this.exit)}):\n${this.logTail()}`);
    }
    this.proc.kill('SIGTERM');
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const exit = await Promise.race([this.exited, timedOut]).finally(() => clearTimeout(timer));
    if (exit === null) {
      await this.kill();
      throw new Error(`broker did not exit within ${timeoutMs} ms of SIGTERM:\n${this.logTail()}`);
    }
    if (exit.code !== 0) {
      throw new Error(`broker exited with ${describeExit(exit)} after SIGTERM:\n${this.logTail()}`);
    }
    this.checkLog();
    return exit.code;
  }

  /** SIGKILL and reap. */
  async kill() {
    if (this.running()) {
      this.killGroupSync();
      await this.exited;
    }
    this.checkLog();
  }

  /** For cleanup paths: SIGKILL to the broker's process group, without waiting. */
  killGroupSync() {
    if (this.running()) {
      try {
        process.kill(-this.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  logText(index = -1) {
    const file = this.logs.at(index);
    return file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  logTail(lines = 40) {
    return this.logText().split('\n').slice(-lines - 1).join('\n');
  }

  /** Throws when any log of this broker has a sanitizer report. */
  checkLog() {
    for (const file of this.logs) {
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const m = SANITIZER_REPORT.exec(text);
      if (m) {
        throw new Error(`sanitizer report in ${file}:\n${text.slice(m.index, m.index + 4000)}`);
      }
    }
  }

  removeWorkdir() {
    fs.rmSync(this.workdir, { recursive: true, force: true });
  }
}

function describeExit(exit) {
  if (!exit) {
    return 'no exit';
  }
  if (exit.error) {
    return `spawn error ${exit.error.message}`;
  }
  return exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`;
}

/**
 * A started Broker (options as for `new Broker`; kafka defaults to true here) that is
 * stopped with SIGTERM when the test `t` (a node:test TestContext) ends, after the `after`
 * hooks registered before this call (node:test runs them in order): a broker that died
 * during the test, an unclean stop or a sanitizer report fails the test. The work directory
 * is removed after a clean stop and kept otherwise.
 */
async function startBroker(t, options = {}) {
  const broker = new Broker({ kafka: true, ...options });
  t.after(async () => {
    if (broker.proc === null) {
      return; // never spawned: start() failed and said why
    }
    let ok = false;
    try {
      await broker.stop();
      ok = true;
    } finally {
      if (broker.running()) {
        await broker.kill().catch(() => {});
      }
      if (ok && !process.env.POLYMQ_KEEP_WORKDIR) {
        broker.removeWorkdir();
      } else {
        process.stderr.write(`broker work directory kept: ${broker.workdir}\n`);
      }
    }
  });
  try {
    await broker.start();
  } catch (err) {
    broker.killGroupSync();
    throw err;
  }
  return broker;
}

module.exports = {
  Broker,
  SANITIZER_REPORT,
  brokerBinary,
  freePort,
  portAccepts,
  startBroker,
};
