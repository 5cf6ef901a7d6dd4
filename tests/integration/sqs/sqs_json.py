"""AWS JSON 1.0 requests to the SQS endpoint, signed with botocore's SigV4Auth (Debian's
botocore speaks the query protocol to SQS; newer SDKs speak this one)."""

import json
import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def call(endpoint, action, params, key="guest", secret="guest", region="us-east-1"):
    """Returns (status, headers, decoded JSON body)."""
    body = json.dumps(params)
    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AmazonSQS." + action,
    })
    SigV4Auth(Credentials(key, secret), "sqs", region).add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(prepared.url, data=body.encode(), method="POST",
                                 headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"{}")
