"""SQS consumer of the sync queue: daily-sync chunks (many in parallel), one-customer syncs, staff full runs.

Each record body is read with the one message model (`portal.services.sync_messages`); a body that is not
one fails its record, which SQS redelivers and, after a few receives, moves to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.observability import logger, metrics
from portal.services.sync_messages import ChunkMessage, FullSyncMessage, MalformedSyncMessage, read_sync_message
from portal.wiring import SyncWiring

wiring = SyncWiring.from_env()
processor = BatchProcessor(event_type=EventType.SQS)


def process(record: SQSRecord) -> None:
    try:
        message = read_sync_message(record.body)
    except MalformedSyncMessage as error:
        logger.error(str(error), extra={"message_id": record.message_id})  # the body may hold anything: not logged
        raise
    if isinstance(message, FullSyncMessage):
        # Staff asked for a full resync (the admin API cannot reach ASPIRE): plan it here and queue its chunks.
        summary = wiring.engine().run("full", dispatch=wiring.chunk_dispatcher, correlation_id=message.run_id)
        logger.info("full sync requested by staff", extra={"run_id": message.run_id, "status": summary["status"]})
        return
    if isinstance(message, ChunkMessage):
        logger.append_keys(run_id=message.run_id, chunk_kind=message.entity, chunk_first=message.first)
    finished = wiring.engine().handle(message, wiring.chunk_progress)
    if finished is not None:
        logger.info("sync run completed by its last chunk", extra={"run_id": finished["run_id"]})


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_partial_response(event=event, record_handler=process, processor=processor, context=context)
