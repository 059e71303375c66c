"""Logger, metrics and (lazily) tracer for every function.

Powertools `Tracer` imports the X-Ray SDK, which costs ~0.6 s at cold start, so it is only created when a
function asks for it. Never log events, bodies, tokens, codes, passwords or account numbers: handlers use
`inject_lambda_context(log_event=False)` and log ids only.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "customer-portal")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "CustomerPortal")

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)


@cache
def tracer() -> Tracer:
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)
