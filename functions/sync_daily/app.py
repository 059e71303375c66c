"""EventBridge Scheduler, 04:00 America/Chicago: the daily sync, split into chunks for `sync_worker`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.observability import logger, metrics
from portal.services.sync_metrics import publish
from portal.wiring import SyncWiring

wiring = SyncWiring.from_env()


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = wiring.engine().run("daily", dispatch=wiring.chunk_dispatcher, correlation_id=event.get("id"))
    publish(summary, wiring.sync_state)
    return summary
