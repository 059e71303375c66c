"""The sync queue: its messages (one typed model shared by the producers and `sync_worker`) and the port
that queues a run's chunks.

Producers write `model_dump_json()`; the worker reads every SQS record body with `read_sync_message`, so
a message a producer could not have written (a malformed or foreign body) fails that record, which SQS
redelivers and finally moves to the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChunkMessage(_Message):
    """One key range of a dispatched daily/full run: ids in [first, last] are rebuilt, and manifests in
    [sweep_first, sweep_end) that ASPIRE no longer backs are deleted."""

    kind: Literal["chunk"] = "chunk"
    run_id: str = Field(min_length=1)
    started_at: str = Field(min_length=1)
    entity: Literal["C", "A"]  # contracts or accounts
    first: str
    last: str
    sweep_first: str
    sweep_end: str | None  # None: to the end of the key space

    @property
    def run_key(self) -> str:
        """The sort key of the run record the chunk counts itself into."""
        return f"{self.started_at}#{self.run_id}"


class CustomerSyncMessage(_Message):
    """Everything of these accounts now: a user was created or an account linked (PRODUCT.md §3)."""

    kind: Literal["customer"] = "customer"
    account_ids: tuple[str, ...] = Field(min_length=1)


class FullSyncMessage(_Message):
    """A full resync staff asked for (`POST /admin/sync/full`): the worker plans it and queues its chunks."""

    kind: Literal["full"] = "full"
    run_id: str = Field(min_length=1, max_length=64)


AnySyncMessage = ChunkMessage | CustomerSyncMessage | FullSyncMessage
SyncMessage = Annotated[AnySyncMessage, Field(discriminator="kind")]
_ADAPTER: TypeAdapter[AnySyncMessage] = TypeAdapter(SyncMessage)


class MalformedSyncMessage(ValueError):
    """A queue message no producer writes. Its text names the fields only, never the body's values."""


def read_sync_message(body: str) -> AnySyncMessage:
    try:
        return _ADAPTER.validate_json(body)
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) or "body" for e in error.errors(include_input=False)})
        raise MalformedSyncMessage(f"malformed sync message ({', '.join(fields)})") from None


class DispatchFailed(Exception):
    """Queuing a run's chunks stopped partway. `queued` counts the chunks that may be on the queue (an
    upper bound: a batch whose outcome is unknown counts whole), which workers may already be running."""

    def __init__(self, queued: int, total: int, reason: str) -> None:
        super().__init__(f"{queued} of {total} sync chunks queued: {reason}")
        self.queued = queued


class ChunkDispatcher(Protocol):
    """Hands a daily/full run's chunks to parallel workers (`portal.adapters.sqs.SqsChunkDispatcher`)."""

    @property
    def queues(self) -> bool:
        """False: nothing is queued, the run processes its chunks itself."""
        ...

    def send(self, messages: Sequence[ChunkMessage]) -> None:
        """Queues every message or raises `DispatchFailed`."""
        ...
