#!/usr/bin/python3
"""Writes HTTP/1.1 requests signed by botocore to stdout, one after the other, for
sigv4_botocore_test.cpp to parse and verify. Each carries an unsigned X-Test-Case header naming
it. Exits 77 when botocore is not installed (Debian: python3-botocore).

The SQS requests are the ones a real SQS client sends (its before-send hook captures them and
stops the call before any connection); the others sign AWSRequests directly with SigV4Auth and
SigV4QueryAuth, the way the SDK presigns URLs.
"""
import sys
from urllib.parse import urlsplit

try:
    import botocore.session
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(77)

KEY, SECRET = 'polymq-user', 'Secret/With+Chars='
ENDPOINT = 'http://localhost:9324'
QUEUE_URL = ENDPOINT + '/000000000000/orders'


class Captured(Exception):
    pass


def emit(name, prepared):
    url = urlsplit(prepared.url)
    target = (url.path or '/') + ('?' + url.query if url.query else '')
    body = prepared.body or b''
    if isinstance(body, str):
        body = body.encode('utf-8')
    lines = ['%s %s HTTP/1.1' % (prepared.method, target)]
    names = {k.lower() for k in prepared.headers.keys()}
    if 'host' not in names:  # what the HTTP client adds, and botocore signed
        lines.append('Host: ' + url.netloc)
    for k, v in prepared.headers.items():
        if isinstance(v, bytes):
            v = v.decode('utf-8')
        lines.append('%s: %s' % (k, v))
    if 'content-length' not in names:
        lines.append('Content-Length: %d' % len(body))
    lines.append('X-Test-Case: ' + name)
    sys.stdout.buffer.write(('\r\n'.join(lines) + '\r\n\r\n').encode('utf-8') + body)


def sqs_client_requests():
    session = botocore.session.get_session()
    client = session.create_client('sqs', region_name='us-east-1', endpoint_url=ENDPOINT,
                                   aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    current = {}

    def capture(request, **kwargs):
        emit(current['name'], request)
        raise Captured()

    client.meta.events.register('before-send.sqs', capture)
    calls = [
        ('sqs-send-message', lambda: client.send_message(
            QueueUrl=QUEUE_URL, MessageBody='h\u00e9llo w\u00f6rld & a+b=c %20 ~*',
            MessageAttributes={'Kind': {'DataType': 'String', 'StringValue': 'order created'}})),
        ('sqs-receive-message', lambda: client.receive_message(
            QueueUrl=QUEUE_URL, WaitTimeSeconds=20, MaxNumberOfMessages=10)),
        ('sqs-list-queues', lambda: client.list_queues(QueueNamePrefix='ord')),
    ]
    for name, call in calls:
        current['name'] = name
        try:
            call()
        except Captured:
            pass


def direct_requests():
    creds = Credentials(KEY, SECRET)
    get = AWSRequest(method='GET', url=QUEUE_URL,
                     params={'Action': 'GetQueueAttributes', 'AttributeName.1': 'All',
                             'Odd': 'a b/\u00fc~*'},
                     headers={'X-Custom': '  spaced    value  '})
    SigV4Auth(creds, 'sqs', 'eu-west-1').add_auth(get)
    emit('sigv4-get-query', get.prepare())

    presigned = AWSRequest(method='GET', url=QUEUE_URL,
                           params={'Action': 'ReceiveMessage', 'MaxNumberOfMessages': '10'})
    SigV4QueryAuth(creds, 'sqs', 'us-east-1', expires=300).add_auth(presigned)
    emit('presigned-get', presigned.prepare())

    form = AWSRequest(method='POST', url=QUEUE_URL,
                      data={'Action': 'SendMessage', 'MessageBody': 'from a presigned form'},
                      headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
    SigV4QueryAuth(creds, 'sqs', 'us-east-1', expires=60).add_auth(form)
    emit('presigned-post-form', form.prepare())


sqs_client_requests()
direct_requests()
