"""A boto3 SQS client that knows the message move task actions. Debian 12's botocore (1.29)
predates StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask, so this adds
their operations and shapes, as AWS's query-protocol model describes them, to Debian's SQS
model in a private data directory that the client's loader searches first. Everything else
(serialising the form, signing, parsing the XML and the errors) is botocore's own."""

import json
import os

import boto3
import botocore.config
import botocore.session

_OPERATIONS = {
    "StartMessageMoveTask": ("StartMessageMoveTaskRequest", "StartMessageMoveTaskResult"),
    "ListMessageMoveTasks": ("ListMessageMoveTasksRequest", "ListMessageMoveTasksResult"),
    "CancelMessageMoveTask": ("CancelMessageMoveTaskRequest", "CancelMessageMoveTaskResult"),
}

_SHAPES = {
    "StartMessageMoveTaskRequest": {"type": "structure", "required": ["SourceArn"], "members": {
        "SourceArn": {"shape": "String"},
        "DestinationArn": {"shape": "String"},
        "MaxNumberOfMessagesPerSecond": {"shape": "NullableInteger"}}},
    "StartMessageMoveTaskResult": {"type": "structure", "members": {
        "TaskHandle": {"shape": "String"}}},
    "ListMessageMoveTasksRequest": {"type": "structure", "required": ["SourceArn"], "members": {
        "SourceArn": {"shape": "String"},
        "MaxResults": {"shape": "NullableInteger"}}},
    "ListMessageMoveTasksResult": {"type": "structure", "members": {
        "Results": {"shape": "ListMessageMoveTasksResultEntryList"}}},
    "ListMessageMoveTasksResultEntryList": {"type": "list", "flattened": True, "member": {
        "shape": "ListMessageMoveTasksResultEntry",
        "locationName": "ListMessageMoveTasksResultEntry"}},
    "ListMessageMoveTasksResultEntry": {"type": "structure", "members": {
        "TaskHandle": {"shape": "String"},
        "Status": {"shape": "String"},
        "SourceArn": {"shape": "String"},
        "DestinationArn": {"shape": "String"},
        "MaxNumberOfMessagesPerSecond": {"shape": "NullableInteger"},
        "ApproximateNumberOfMessagesMoved": {"shape": "Long"},
        "ApproximateNumberOfMessagesToMove": {"shape": "NullableLong"},
        "FailureReason": {"shape": "String"},
        "StartedTimestamp": {"shape": "Long"}}},
    "CancelMessageMoveTaskRequest": {"type": "structure", "required": ["TaskHandle"], "members": {
        "TaskHandle": {"shape": "String"}}},
    "CancelMessageMoveTaskResult": {"type": "structure", "members": {
        "ApproximateNumberOfMessagesMoved": {"shape": "Long"}}},
    "ResourceNotFoundException": {"type": "structure", "members": {}, "exception": True,
                                  "error": {"code": "ResourceNotFoundException",
                                            "httpStatusCode": 404, "senderFault": True}},
    "NullableInteger": {"type": "integer"},
    "NullableLong": {"type": "long"},
    "Long": {"type": "long"},
}


def _data_dir(tmp_dir):
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    version = loader.determine_latest_version("sqs", "service-2")
    model = loader.load_service_model("sqs", "service-2", version)
    for name, (request, result) in _OPERATIONS.items():
        model["operations"][name] = {
            "name": name, "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": request},
            "output": {"shape": result, "resultWrapper": result},
            "errors": [{"shape": "ResourceNotFoundException"}]}
    for name, shape in _SHAPES.items():
        model["shapes"].setdefault(name, shape)
    where = os.path.join(tmp_dir, "sqs", version)
    os.makedirs(where, exist_ok=True)
    with open(os.path.join(where, "service-2.json"), "w") as f:
        json.dump(model, f)
    return tmp_dir


def move_task_client(endpoint_url, tmp_dir, key="guest", secret="guest", region="us-east-1"):
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    loader.search_paths.insert(0, _data_dir(str(tmp_dir)))
    return boto3.Session(botocore_session=session).client(
        "sqs", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 1}))
