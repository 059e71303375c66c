"""Powertools metrics for a sync run: counts, lag (time since the job's last successful run), failures, restores.

The CDK alarms read these names with dimensions `service` and `job` (infra/constructs/monitoring.py):
`lag_seconds` over 30 minutes (incremental), `run_failed` >= 1, `restore_detected` >= 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from portal.observability import logger, metrics


def publish(summary: dict[str, Any], state: Any) -> None:
    job = str(summary.get("job"))
    metrics.add_dimension(name="job", value=job)
    for name in ("rows_read", "items_written", "items_deleted", "batch_write_calls"):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=int(summary.get(name) or 0))
    if summary.get("restore_detected"):
        metrics.add_metric(name="restore_detected", unit=MetricUnit.Count, value=1)
    if summary.get("status") == "failed":
        metrics.add_metric(name="run_failed", unit=MetricUnit.Count, value=1)
    if "payments_pending_overdue" in summary:
        # Without the `job` dimension: the alarm watches payments, whichever run swept them (infra monitoring).
        overdue = int(summary["payments_pending_overdue"])
        with single_metric(
            name="payments_pending_overdue", unit=MetricUnit.Count, value=overdue, namespace=metrics.namespace
        ) as metric:
            metric.add_dimension(name="service", value=metrics.service or "customer-portal")
    last = state.last_success(job) if summary.get("status") != "succeeded" else summary
    if last and last.get("ended_at"):
        lag = (datetime.now(UTC) - datetime.fromisoformat(str(last["ended_at"]))).total_seconds()
        metrics.add_metric(name="lag_seconds", unit=MetricUnit.Seconds, value=max(lag, 0.0))
    logger.info(
        "sync run", extra={k: v for k, v in summary.items() if k != "errors"} | {"errors": summary.get("errors")}
    )
