"""One queue, two protocols: an AMQP (pika) publish is received over SQS, and an SQS send is
consumed over AMQP, body and headers/message attributes included."""

import pika


def test_amqp_publish_received_over_sqs(sqs, sqs_broker):
    url = sqs.create_queue(QueueName="shared")["QueueUrl"]
    conn = sqs_broker.connect()
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        ch.basic_publish("", "shared", b"from amqp", pika.BasicProperties(
            delivery_mode=2, message_id="amqp-1", headers={"kind": "order", "n": 5}))
    finally:
        conn.close()
    m = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"],
                            AttributeNames=["All"])["Messages"][0]
    assert m["Body"] == "from amqp"
    assert m["MessageId"] == "amqp-1"
    assert m["MessageAttributes"] == {
        "kind": {"DataType": "String", "StringValue": "order"},
        "n": {"DataType": "Number", "StringValue": "5"}}
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_sqs_send_consumed_over_amqp(sqs, sqs_broker):
    url = sqs.create_queue(QueueName="shared2")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="from sqs", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "invoice"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}})
    conn = sqs_broker.connect()
    try:
        ch = conn.channel()
        method, props, body = ch.basic_get("shared2", auto_ack=True)
        assert body == b"from sqs"
        assert props.message_id == sent["MessageId"]
        assert props.delivery_mode == 2
        assert props.headers["kind"] in (b"invoice", "invoice")
        assert props.headers["raw"] == b"\x01\x02"
    finally:
        conn.close()
