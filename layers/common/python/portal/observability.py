"""Logger and metrics for every function.

Never log events, bodies, tokens, codes, passwords or account numbers: handlers use
`inject_lambda_context(log_event=False)` and log ids only. API functions flush their per-request metric
(recorded by `portal.api.resolver`) with `@metrics.log_metrics`.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "customer-portal")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CustomerPortal")

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)
