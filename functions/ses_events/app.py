"""SNS subscriber of the SES configuration set's event destination: records delivery, bounce and complaint
events on the `MAIL#` item of the email (by SES message id), so diagnostics can say what happened to an email.

A malformed message is logged (without its content) and skipped: SNS would retry it to no end.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.config import SesEventsSettings
from portal.observability import logger, metrics
from portal.services.ses_events import MalformedSesEvent, record_event
from portal.wiring import Wiring

wiring = Wiring.from_env(SesEventsSettings)


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
@event_source(data_class=SNSEvent)
def handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    for record in event.records:
        try:
            outcomes[record_event(record.sns.message, wiring.mail_log)] += 1
        except MalformedSesEvent:
            logger.warning("not an SES event", extra={"sns_message_id": record.sns.message_id})
            outcomes["malformed"] += 1
    logger.info("SES events processed", extra=dict(outcomes))
    return dict(outcomes)
