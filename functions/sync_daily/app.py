"""EventBridge Scheduler, 04:00 America/Chicago: the daily sync, split into chunks for `sync_worker`."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from portal.observability import logger, metrics
from portal.services.sync import Chunk
from portal.services.sync_metrics import publish
from portal.wiring import SyncWiring

wiring = SyncWiring.from_env()


def dispatch(run_id: str, started_at: str, chunks: list[Chunk]) -> bool:
    queue_url = wiring.sync_settings.sync_chunk_queue_url
    if not queue_url:
        return False  # no queue configured (local runtime): the run processes its chunks in-process
    for start in range(0, len(chunks), 10):
        entries = [
            {"Id": str(i), "MessageBody": json.dumps(chunk.message(run_id, started_at))}
            for i, chunk in enumerate(chunks[start : start + 10])
        ]
        failed = wiring.sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed")
        if failed:
            raise RuntimeError(f"{len(failed)} sync chunks could not be queued")
    return True


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    summary = wiring.engine().run("daily", dispatch=dispatch, correlation_id=event.get("id"))
    publish(summary, wiring.sync_state)
    return summary
