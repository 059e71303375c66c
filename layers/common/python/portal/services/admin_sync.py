"""Sync status and the full resync staff can start (`GET /admin/sync`, `POST /admin/sync/full`).

In AWS the admin function has no route to ASPIRE, so a full run is a `full` message on the sync chunk queue
(`QueuedFullSync`): the admin function may already send there (customer syncs), and `sync_worker` plans the
run and queues its chunks, exactly as the daily run does. That needs no second invoke permission and keeps
one retry/dead-letter path for every sync request. Locally (no queue) the run goes to a background thread
through the same engine (`ThreadFullSync`).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from portal.adapters.dynamodb.sync_state import DynamoSyncState
from portal.domain.errors import Conflict
from portal.observability import logger
from portal.services.sync_messages import FullSyncMessage

if TYPE_CHECKING:
    from portal.services.sync import SyncEngine

JOBS = ("incremental", "daily", "full", "customer")
REQUEST_LEASE_S = 10 * 60  # a requested full run holds the lease this long until it starts and re-takes it


class FullSyncStarter(Protocol):
    def __call__(self, run_id: str) -> None: ...


class QueuedFullSync:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def __call__(self, run_id: str) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=FullSyncMessage(run_id=run_id).model_dump_json())


class ThreadFullSync:
    """Laptop: the run in a daemon thread (`threads` lets a test wait for it)."""

    def __init__(self, engine: Callable[[], SyncEngine]) -> None:
        self._engine = engine
        self.threads: list[threading.Thread] = []

    def __call__(self, run_id: str) -> None:
        def run() -> None:
            try:
                self._engine().run("full", correlation_id=run_id)
            except Exception:  # recorded as a failed run by the engine; a thread has no caller to raise to
                logger.exception("background full sync failed", extra={"run_id": run_id})

        thread = threading.Thread(target=run, name=f"full-sync-{run_id[:8]}", daemon=True)
        self.threads.append(thread)
        thread.start()


def _age_s(now: datetime, iso_time: Any) -> int | None:
    try:
        return max(0, int((now - datetime.fromisoformat(str(iso_time))).total_seconds()))
    except ValueError:
        return None


class AdminSync:
    def __init__(
        self, state: DynamoSyncState, start: FullSyncStarter, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._state = state
        self._start = start
        self._clock = clock or (lambda: datetime.now(UTC))

    def status(self) -> dict[str, Any]:
        now = self._clock()
        last = {job: self._state.last_success(job) for job in JOBS}
        incremental = last["incremental"] or {}
        lease = self._state.lease(now)
        return {
            "now": now.isoformat(),
            "last_success": {job: _run(run) for job, run in last.items() if run},
            "recent_runs": [_run(run) for run in self._state.recent_runs(20)],
            "watermarks": _plain(self._state.watermarks_record()),
            # How old the newest data is: since the last successful incremental (or any) run ended.
            "lag_s": _age_s(now, incremental.get("ended_at")) if incremental else None,
            "restore_events": [_run(event) for event in self._state.events(20)],
            "running": {"run_id": lease.get("owner"), "since": lease.get("taken_at")} if lease else None,
        }

    def start_full(self) -> str:
        # The lease is taken here, under the new run's id, not only read: a second request before the run
        # starts (a double click; in AWS the message may wait in the queue) is then 409 too, instead of a 202
        # whose run is silently skipped. The run re-takes its own lease for its whole length; a request whose
        # run never starts frees the lease after REQUEST_LEASE_S.
        run_id = str(uuid.uuid4())
        holder = self._state.acquire_lease(run_id, self._clock(), REQUEST_LEASE_S)
        if holder is not None:
            raise Conflict("A sync run is in progress; start the full resync when it has finished.", "sync_running")
        try:
            self._start(run_id)
        except Exception:
            self._state.release_lease(run_id)  # nothing will run: do not hold the other jobs off for nothing
            raise
        logger.info("full sync requested", extra={"run_id": run_id})
        return run_id


def _plain(value: Any) -> Any:
    """DynamoDB numbers arrive as Decimal; counters and rowversions are integers in the answer."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in ("pk", "sk")}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _run(run: dict[str, Any]) -> dict[str, Any]:
    return dict(_plain(run))
