"""SQS consumer of the payments queue: each record says "look at this payment again" (issue #9).

One record at a time (the event source mapping uses batch size 1, partial batch responses): a record whose
payment ASPIRE could not take fails alone and SQS redelivers it after the visibility timeout, up to
`maxReceiveCount`, then moves it to the dead-letter queue. A payment whose message is lost or dead-lettered is
still in the outbox: the 15-minute incremental sync sweeps it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.config import PaymentsWriterSettings
from portal.observability import logger, metrics
from portal.services.payment_messages import MalformedPaymentMessage, read_payment_message
from portal.wiring import SyncWiring

wiring = SyncWiring.from_env(PaymentsWriterSettings)
# A failed record is reported as a batch item failure even when it is the whole batch (batch size 1): SQS
# retries it the same way, and the invocation is not logged as a Lambda error for a routine ASPIRE outage.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def process(record: SQSRecord) -> str:
    try:
        message = read_payment_message(record.body)
    except MalformedPaymentMessage as error:
        logger.error(str(error), extra={"message_id": record.message_id})  # the body may hold anything: not logged
        raise
    outcome = wiring.payment_writer.handle(message.site_id, message.user_id, message.payment_id)
    logger.info("payment message handled", extra={"outcome": outcome, "payment_id": message.payment_id})
    metrics.add_metric(name="PaymentMessagesHandled", unit=MetricUnit.Count, value=1)
    return outcome


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    return process_partial_response(event=event, record_handler=process, processor=processor, context=context)
