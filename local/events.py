"""The one factory for the events Lambda receives: API Gateway REST proxy, REQUEST authorizer, Scheduler, SQS.

The local gateway builds its events here and so do the tests, so both exercise handlers with the shape
API Gateway sends (payload format 1.0 of a REST API with proxy integration).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

ACCOUNT = "000000000000"
REGION = "us-east-1"
STAGE = "local"


def _multi(values: Mapping[str, list[str]] | None) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not values:
        return None, None
    return {k: v[-1] for k, v in values.items()}, {k: list(v) for k, v in values.items()}


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    path_params: Mapping[str, str] | None = None,
    query: Mapping[str, str | list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    body: str | bytes | Mapping[str, Any] | None = None,
    authorizer: Mapping[str, Any] | None = None,
    api_id: str = "enduser",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway REST proxy event. A mapping body is sent as JSON; bytes that are not UTF-8 as base64."""
    header_map = {k: v for k, v in (headers or {}).items()}
    if isinstance(body, Mapping):
        body = json.dumps(body)
        header_map.setdefault("Content-Type", "application/json")
    is_base64 = False
    if isinstance(body, bytes):
        raw = body
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(raw).decode("ascii"), True
    query_lists = {k: (v if isinstance(v, list) else [v]) for k, v in (query or {}).items()}
    single_query, multi_query = _multi(query_lists)
    request_id = str(uuid.uuid4())
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": header_map or None,
        "multiValueHeaders": {k: [v] for k, v in header_map.items()} or None,
        "queryStringParameters": single_query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(path_params) if path_params else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": api_id,
            "resourcePath": resource or path,
            "httpMethod": method.upper(),
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": source_ip, "userAgent": header_map.get("User-Agent", "")},
            "authorizer": dict(authorizer) if authorizer else None,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def method_arn(api_id: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/{STAGE}/{method.upper()}{path}"


def authorizer_event(api_event_: Mapping[str, Any]) -> dict[str, Any]:
    """The REQUEST authorizer event API Gateway sends before invoking the route's function."""
    context = api_event_["requestContext"]
    return {
        "type": "REQUEST",
        "methodArn": method_arn(context["apiId"], api_event_["httpMethod"], api_event_["path"]),
        "resource": api_event_["resource"],
        "path": api_event_["path"],
        "httpMethod": api_event_["httpMethod"],
        "headers": api_event_["headers"],
        "multiValueHeaders": api_event_["multiValueHeaders"],
        "queryStringParameters": api_event_["queryStringParameters"],
        "multiValueQueryStringParameters": api_event_["multiValueQueryStringParameters"],
        "pathParameters": api_event_["pathParameters"],
        "stageVariables": None,
        "requestContext": {k: v for k, v in context.items() if k != "authorizer"},
    }


def schedule_event(schedule_name: str, *, when: str | None = None) -> dict[str, Any]:
    """What EventBridge Scheduler's Lambda target receives (the default input of a templated target)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": ACCOUNT,
        "time": when or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{schedule_name}"],
        "detail": {},
    }


def sqs_event(messages: Iterable[str | Mapping[str, Any]], *, queue: str = "chunks") -> dict[str, Any]:
    """What an SQS event source mapping hands the function: a body string each, or the messages as
    `ReceiveMessage` returned them (`MessageId`, `ReceiptHandle`, `Body`)."""
    now = str(int(time.time() * 1000))
    records = []
    for message in messages:
        received = {"Body": message} if isinstance(message, str) else message
        body = str(received["Body"])
        records.append(
            {
                "messageId": str(received.get("MessageId") or uuid.uuid4()),
                "receiptHandle": str(received.get("ReceiptHandle") or uuid.uuid4()),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": now,
                    "SenderId": ACCOUNT,
                    "ApproximateFirstReceiveTimestamp": now,
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}",
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


class LambdaContextStub:
    """The attributes of a Lambda context object that Powertools reads."""

    def __init__(self, function_name: str, timeout_s: int = 30) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
