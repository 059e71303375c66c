"""SQS consumer of daily-sync chunks: many run in parallel, each well inside the Lambda time limit."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.adapters.dynamodb.sync_state import ChunkProgress
from portal.observability import logger, metrics
from portal.wiring import SyncWiring

wiring = SyncWiring.from_env()
processor = BatchProcessor(event_type=EventType.SQS)


def process(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if message.get("kind") == "customer":  # a user was created or an account linked: sync it now
        wiring.engine().sync_customer(message["account_ids"])
        return
    logger.append_keys(run_id=message["run_id"], chunk_kind=message["kind"], chunk_first=message["first"])
    progress = ChunkProgress(wiring.dynamodb, wiring.settings.table_control)
    finished = wiring.engine().finish_chunk(message, progress)
    if finished is not None:
        logger.info("sync run completed by its last chunk", extra={"run_id": finished["run_id"]})


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_partial_response(event=event, record_handler=process, processor=processor, context=context)
