'use strict';
// Shared pieces of the AWS SDK v3 suites (awssdk/*.test.js): a broker of the test's own with
// its SQS and SNS endpoint on a free port, and SDK clients signed as the broker's guest user.

const { SQSClient } = require('@aws-sdk/client-sqs');
const { SNSClient } = require('@aws-sdk/client-sns');
const { startBroker } = require('./polymq_process');

const REGION = 'us-east-1';
const TEST_OPTIONS = { timeout: Number(process.env.AWSSDK_TEST_CASE_TIMEOUT_MS || 60000) };

let counter = 0;
/** A queue or topic name unique within this run. */
function uniqueName(prefix) {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

/** A started broker listening for SQS and SNS (sqsEndpoint), stopped when `t` ends. */
function startSqsBroker(t, options = {}) {
  return startBroker(t, { kafka: false, sqs: true, ...options });
}

function clientConfig(broker, credentials) {
  return {
    endpoint: broker.sqsEndpoint,
    region: REGION,
    credentials: { accessKeyId: 'guest', secretAccessKey: 'guest', ...credentials },
    maxAttempts: 1, // a refused request must fail the test, not be retried into success
  };
}

function sqsClient(broker, credentials = {}) {
  return new SQSClient(clientConfig(broker, credentials));
}

function snsClient(broker, credentials = {}) {
  return new SNSClient(clientConfig(broker, credentials));
}

module.exports = { REGION, TEST_OPTIONS, snsClient, sqsClient, startSqsBroker, uniqueName };
