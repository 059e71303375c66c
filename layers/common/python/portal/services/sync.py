"""The sync from ASPIRE to DynamoDB (PRODUCT.md §3).

* **incremental** (every 15 minutes): rows of the incremental entities whose rowversion lies between the
  stored watermark and `MIN_ACTIVE_ROWVERSION()` say which contracts and accounts changed; those are rebuilt
  from ASPIRE's current state (their incremental fields; everything when they moved site or are new).
* **daily** (04:00 America/Chicago) and **full**: every contract and account, in key-range chunks that can
  run in parallel and resume, rebuilt with all fields; the chunk's manifests that ASPIRE no longer backs are
  deleted, which reconciles hard deletes, removed roles and label remaps of the site configuration.

Writes skip items whose content hash is unchanged, so a run over an unchanged source writes nothing. The
watermark advances only after every write it covers has succeeded; a crash anywhere leaves the old
watermark and the next run rebuilds the same contracts, converging on the source.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, get_args

from portal.adapters.aspire.port import AspireSource, aspire_version_supported
from portal.adapters.aspire.recompute_queries import IN_LIST_SIZE, in_list_params
from portal.adapters.dynamodb.batch import BatchWriter
from portal.adapters.dynamodb.codec import key, to_item
from portal.adapters.dynamodb.sync_state import ChunkProgress, DynamoSyncState
from portal.domain.errors import DomainError
from portal.domain.sites import SiteMap
from portal.observability import logger
from portal.services import sync_metrics
from portal.services.restore_detection import RestoreMarker, previous_marker, read_marker, restored_since
from portal.services.sync_items import (
    AccountState,
    Cadence,
    ContractState,
    DesiredItem,
    account_index_items,
    account_items,
    account_sites,
    contract_items,
    contract_site,
    line_of_credit_items,
)
from portal.services.sync_messages import ChunkDispatcher, ChunkMessage, CustomerSyncMessage, DispatchFailed

Job = Literal["incremental", "daily", "full"]
INCREMENTAL_ENTITIES = (
    "account", "contact", "location", "contract", "contract_role", "invoice", "bank_account", "alternate_eft",
    "eft_batch",
)  # fmt: skip
ALL_CADENCES: set[Cadence] = {"incremental", "daily"}
LEASE_TTL_S = {"incremental": 15 * 60, "daily": 3 * 60 * 60, "full": 3 * 60 * 60, "customer": 5 * 60}
CHUNK_SIZE = 2000  # contracts or accounts per chunk: ~1 minute of a worker, far inside the 15-minute limit


class SyncRefused(DomainError):
    """The run cannot start: unsupported ASPIRE version, or another run holds the lease."""

    def __init__(self, message: str, code: str = "sync_refused") -> None:
        super().__init__(message, code)


@dataclass
class RunStats:
    rows_read: int = 0
    items_written: int = 0
    items_deleted: int = 0
    contracts_rebuilt: int = 0
    accounts_rebuilt: int = 0
    manifests_written: int = 0
    chunks: int = 0

    def add(self, other: RunStats) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Chunk:
    """A key range of contracts ("C") or accounts ("A"): [first, sweep_end) for deletions."""

    kind: Literal["C", "A"]
    ids: tuple[str, ...]
    sweep_first: str
    sweep_end: str | None  # None: to the end of the key space

    def message(self, run_id: str, started_at: str) -> ChunkMessage:
        first = self.ids[0] if self.ids else self.sweep_first
        last = self.ids[-1] if self.ids else self.sweep_first
        return ChunkMessage(
            run_id=run_id,
            started_at=started_at,
            entity=self.kind,
            first=first,
            last=last,
            sweep_first=self.sweep_first,
            sweep_end=self.sweep_end,
        )


class InProcessChunkDispatcher:
    """No queue (laptop runtime, tests, `portal-local sync`): the run processes its chunks in-process."""

    queues = False

    def send(self, messages: Sequence[ChunkMessage]) -> None:
        raise NotImplementedError("the in-process dispatcher queues nothing; the run processes its chunks")


IN_PROCESS = InProcessChunkDispatcher()


class PaymentFollowUp(Protocol):
    """What the incremental sync does for payments after its writes (paywriter, issue #9): the read-back of
    AlternateEft/EftBatch into the payments table, then the sweep of payments still waiting for the writer."""

    def read_back(self, rows: Sequence[dict[str, Any]]) -> dict[str, int]: ...

    def sweep(self) -> dict[str, int]: ...


@dataclass
class SyncEngine:
    source: AspireSource
    state: DynamoSyncState
    dynamodb: Any
    data_table: str
    site_map: SiteMap
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    page_size: int = 1000
    chunk_size: int = CHUNK_SIZE
    payments: PaymentFollowUp | None = None
    # The payments' HMAC key of bank-account fingerprints (PRODUCT.md §5 existing_only): the accounts on file
    # carry the same fingerprint a new bank account is matched with; ASPIRE's account number is never stored.
    fingerprint_key: Callable[[], bytes] | None = None
    _fingerprint: bytes | None = field(default=None, init=False, repr=False)
    _fingerprint_read: bool = field(default=False, init=False, repr=False)
    writer: BatchWriter = field(init=False)
    # AlternateEft rows the rebuilds read, and which of them this incremental run saw change (the read-back).
    _efts_seen: list[dict[str, Any]] = field(init=False, default_factory=list)
    _eft_changes: tuple[set[str], set[str]] = field(init=False, default_factory=lambda: (set(), set()))

    def __post_init__(self) -> None:
        self.writer = BatchWriter(self.dynamodb)

    def _fingerprint_key(self) -> bytes | None:
        """The key, fetched once per run on first need. Unreadable: the accounts on file are stored without a
        fingerprint (a new bank account is then saved unverified, never wrongly verified) and it is logged."""
        if self.fingerprint_key is not None and not self._fingerprint_read:
            self._fingerprint_read = True
            try:
                self._fingerprint = self.fingerprint_key()
            except Exception as error:  # a missing secret or permission must not stop the sync of everything else
                logger.error("fingerprint key unreadable: bank accounts on file stored without fingerprints",
                             extra={"error_type": type(error).__name__})  # fmt: skip
        return self._fingerprint

    # --- jobs ----------------------------------------------------------------------------------------------
    def run(
        self, job: Job, dispatch: ChunkDispatcher = IN_PROCESS, correlation_id: str | None = None
    ) -> dict[str, Any]:
        run_id = correlation_id or str(uuid.uuid4())
        started = self.clock()
        record: dict[str, Any] = {"run_id": run_id, "job": job, "started_at": started.isoformat(), "status": "running"}
        holder = self.state.acquire_lease(run_id, started, LEASE_TTL_S[job])
        if holder is not None:
            logger.info("sync skipped: lease held", extra={"job": job, "holder": holder.get("owner")})
            reason = f"another sync run ({holder.get('owner')}) holds the lease"
            empty = {"rows_read": 0, "items_written": 0, "items_deleted": 0}
            return {**record, **empty, "status": "skipped", "reason": reason, "restore_detected": False,
                    "full_resync": False}  # fmt: skip
        stats = RunStats()
        released = True
        partial: DispatchFailed | None = None
        try:
            version = self.source.version()
            if not aspire_version_supported(version):
                raise SyncRefused(
                    f"ASPIRE version {version or 'unknown'} is not supported; the portal needs 5.20.17 or later",
                    "unsupported_aspire_version",
                )
            bounds_db, upto = self.source.db_rowversion(), self.source.min_active_rowversion()
            watermarks = self.state.watermarks()
            restore, marker = self._restore_check(bounds_db, watermarks, started)
            # Staff moved a label (or the default) since the last run: the contracts of those labels must move
            # site, and no ASPIRE row changed to say which ones, so this run rebuilds everything.
            map_hash = self.site_map.fingerprint()
            stored_hash = self.state.site_map_hash()
            remapped = stored_hash is not None and stored_hash != map_hash
            full = job in ("daily", "full") or restore or remapped or "incremental" not in watermarks
            record.update(restore_detected=restore, full_resync=full and job != "daily", aspire_version=version,
                          upto=upto, **marker.fields())  # fmt: skip
            if remapped:
                record["full_resync_reason"] = "site_map_changed"
                logger.info("site map changed since the last run: full resync", extra={"job": job})
            if full:
                chunks = list(self.plan_chunks())
                record["chunks_total"] = len(chunks)
                if dispatch.queues:
                    # Chunks run in parallel workers; the last one to finish completes this run record, which
                    # therefore exists before the first chunk is queued.
                    record["status"] = "dispatched"
                    self.state.put_run({**record, **stats.__dict__})
                    try:
                        dispatch.send([chunk.message(run_id, record["started_at"]) for chunk in chunks])
                    except DispatchFailed as failure:
                        if failure.queued:
                            # Queued chunks run anyway: the lease stays with them (until they are all done
                            # or its TTL), so no second run overlaps them; see `finish_chunk`.
                            partial, released = failure, False
                        raise
                    released = False
                    return {**record, **stats.__dict__}
                for chunk in chunks:
                    stats.add(self.process_chunk(chunk))
                new_wm = {"incremental": upto - 1, "daily": upto - 1}
                if restore or job == "full":
                    self.state.set_watermarks(new_wm, self.clock(), map_hash)  # a restore moves the watermark back
                else:
                    self.state.set_watermarks(
                        {k: max(v, watermarks.get(k, 0)) for k, v in new_wm.items()}, self.clock(), map_hash
                    )
                if job == "incremental":  # a first run or a restore: no read-back (no changes known), but the sweep
                    record.update(self._follow_up_payments())
            else:
                stats.add(self.incremental(watermarks["incremental"], upto))
                self.state.set_watermarks({"incremental": upto - 1}, self.clock(), map_hash)
                record.update(self._follow_up_payments())
            record["status"] = "succeeded"
        except Exception as error:
            record["status"] = "failed"
            record["errors"] = [f"{type(error).__name__}: {error}"]
            logger.exception("sync run failed", extra={"job": job, "run_id": run_id})
            raise
        finally:
            record.update(stats.__dict__, ended_at=self.clock().isoformat(), batch_write_calls=self.writer.stats.calls)
            if partial is not None:
                record["chunks_queued"] = partial.queued
                self.state.fail_dispatched_run(record, record["errors"], partial.queued)
            elif record["status"] != "dispatched":
                self.state.put_run(record)
            if released:
                self.state.release_lease(run_id)
            if record["status"] == "failed":
                # The run raises, so the handler never reaches its publish: the failure's metrics go out here
                # (the handler's @metrics.log_metrics flushes them on the way out).
                sync_metrics.publish(record, self.state)
        return record

    def _restore_check(self, bounds_db: int, watermarks: dict[str, int], now: datetime) -> tuple[bool, RestoreMarker]:
        """Was ASPIRE restored since the last successful run? `@@DBTS` below the watermark, or a restore time
        (msdb restorehistory, else the DBA's marker) that changed since then (portal.services.restore_detection)."""
        marker = read_marker(self.source)
        if not watermarks:  # the first run resyncs everything anyway; it only records the marker
            return False, marker
        by_rowversion = bounds_db < max(watermarks.values())
        by_marker = restored_since(previous_marker(self.state.last_success(j) for j in get_args(Job)), marker)
        if by_rowversion or by_marker:
            detail: dict[str, Any] = {"db_rowversion": bounds_db, "watermark": max(watermarks.values())}
            detail |= marker.fields()
            detail["detected_by"] = "rowversion" if by_rowversion else marker.source
            logger.warning("ASPIRE restore detected", extra=detail)
            self.state.record_event("restore_detected", now, detail)
        return by_rowversion or by_marker, marker

    def sync_customer(self, account_ids: Sequence[str]) -> dict[str, Any]:
        """Everything of these accounts now (a user was created or an account linked), without the lease:
        it only rebuilds from ASPIRE's current state, which any concurrent run would write the same way."""
        stats = RunStats()
        contract_ids: set[str] = set()
        for batch in _batches(list(account_ids), IN_LIST_SIZE):
            for page in self.source.stream("roles_by_accounts", in_list_params(batch), self.page_size):
                stats.rows_read += len(page)
                contract_ids.update(str(r["ContractId"]) for r in page)
        accounts = set(account_ids)
        pending: list[dict[str, Any]] = []
        accounts |= self._rebuild_contracts(sorted(contract_ids), ALL_CADENCES, stats, pending)
        self._rebuild_accounts(sorted(accounts), ALL_CADENCES, stats, pending)
        self._commit(pending, stats)
        return {"accounts": sorted(account_ids), **stats.__dict__}

    def handle(self, message: ChunkMessage | CustomerSyncMessage, progress: ChunkProgress) -> dict[str, Any] | None:
        """One message of the sync queue (`sync_worker`): the completed run when it was the run's last chunk."""
        if isinstance(message, CustomerSyncMessage):
            self.sync_customer(message.account_ids)
            return None
        return self.finish_chunk(message, progress)

    def finish_chunk(self, message: ChunkMessage, progress: ChunkProgress) -> dict[str, Any] | None:
        """Worker side of a dispatched run: process one chunk, count it, and complete the run when it is the
        last. SQS redelivers a chunk whose worker failed; rebuilding is idempotent, so a redelivery is safe.

        A chunk of a run whose dispatch failed partway (status `failed`, `chunks_queued` set) still rebuilds
        its range (correct data, converging like any run) but never marks the run succeeded nor moves the
        watermark, since the chunks never queued were not synced. The last queued chunk to finish releases
        the lease; if they all finished before the run was marked failed, the lease expires by its TTL."""
        stats = self.process_chunk(self.chunk_from_message(message))
        counters = {k: v for k, v in stats.__dict__.items() if v}
        run = progress.complete_chunk(message.run_key, counters)
        done = int(run.get("chunks_done", 0))
        if run.get("status") == "failed" and "chunks_queued" in run:
            if done >= int(run["chunks_queued"]):
                self.state.release_lease(str(run["run_id"]))
            return None
        if done < int(run.get("chunks_total", 0)) or run.get("status") != "dispatched":
            return None
        upto = int(run["upto"])
        new_wm = {"incremental": upto - 1, "daily": upto - 1}
        # The worker's map is the one its chunk synced against (read at the worker's start).
        map_hash = self.site_map.fingerprint()
        if run.get("restore_detected") or run.get("job") == "full":
            self.state.set_watermarks(new_wm, self.clock(), map_hash)
        else:
            current = self.state.watermarks()
            self.state.set_watermarks({k: max(v, current.get(k, 0)) for k, v in new_wm.items()}, self.clock(), map_hash)
        run.update(status="succeeded", ended_at=self.clock().isoformat())
        self.state.put_run({k: v for k, v in run.items() if k not in ("pk", "sk")})
        self.state.release_lease(str(run["run_id"]))
        return run

    # --- payments (read-back and sweep) -------------------------------------------------------------------
    def _follow_up_payments(self) -> dict[str, int]:
        """After the incremental writes: allocations picked up/posted -> the payments table, then the sweep.
        Runs only when ASPIRE answered this run, so a payment reaches it at most one cycle after it is back.
        A failure here is logged, not the run's: the synced data and the watermark are already right."""
        payments = self.payments
        if payments is None:
            return {}
        rows = self._efts_seen
        counts: dict[str, int] = {}
        steps: list[Callable[[], dict[str, int]]] = [payments.sweep]
        if rows:
            steps.insert(0, lambda: payments.read_back(rows))
        for step in steps:
            try:
                counts.update(step())
            except Exception:
                logger.exception("payment follow-up of the incremental sync failed")
        return counts

    # --- incremental ---------------------------------------------------------------------------------------
    def incremental(self, since: int, upto: int) -> RunStats:
        stats = RunStats()
        contracts: set[str] = set()
        accounts: set[str] = set()
        locations: set[str] = set()
        batches: set[str] = set()
        params = {"since": since, "upto": upto}
        for entity in INCREMENTAL_ENTITIES:
            for page in self.source.stream(f"changes_{entity}", params, self.page_size):
                stats.rows_read += len(page)
                for row in page:
                    if entity in ("account", "contact", "bank_account"):
                        accounts.add(str(row["AccountId"]))
                    elif entity == "location":
                        accounts.add(str(row["AccountId"]))
                        locations.add(str(row["LocationId"]))
                    elif entity == "eft_batch":
                        batches.add(str(row["EftBatchId"]))
                    else:
                        contracts.add(str(row["ContractId"]))
                        if entity == "alternate_eft":
                            self._eft_changes[0].add(str(row["AlternateEftId"]))
        # A bill-to location feeds the contracts billed there (enrollment's postal code and email checks);
        # a posted EFT batch changes the payment state of every contract it paid.
        for query, ids in (("contracts_by_bill_to_locations", locations), ("contracts_by_eft_batches", batches)):
            for batch in _batches(sorted(ids), IN_LIST_SIZE):
                for page in self.source.stream(query, in_list_params(batch), self.page_size):
                    contracts.update(str(r["ContractId"]) for r in page)
        self._eft_changes[1].update(batches)
        pending: list[dict[str, Any]] = []
        accounts |= self._rebuild_contracts(sorted(contracts), {"incremental"}, stats, pending)
        self._rebuild_accounts(sorted(accounts), {"incremental"}, stats, pending)
        self._commit(pending, stats)
        return stats

    # --- chunks (daily / full) -----------------------------------------------------------------------------
    def plan_chunks(self) -> Iterator[Chunk]:
        for kind, query in (("C", "all_contract_ids"), ("A", "all_account_ids")):
            ids: list[str] = []
            previous_end = ""
            for page in self.source.stream(query, {}, self.page_size):
                for row in page:
                    ids.append(str(row["ContractId" if kind == "C" else "AccountId"]))
                    if len(ids) > self.chunk_size:
                        next_first = ids.pop()
                        yield Chunk(kind, tuple(ids), previous_end, next_first)  # type: ignore[arg-type]
                        previous_end, ids = next_first, [next_first]
            yield Chunk(kind, tuple(ids), previous_end, None)  # type: ignore[arg-type]

    def chunk_from_message(self, message: ChunkMessage) -> Chunk:
        kind = message.entity
        query = "contract_ids_in_range" if kind == "C" else "account_ids_in_range"
        column = "ContractId" if kind == "C" else "AccountId"
        params = {"first": message.first, "last": message.last}
        ids = [str(r[column]) for page in self.source.stream(query, params, self.page_size) for r in page]
        return Chunk(kind, tuple(ids), message.sweep_first, message.sweep_end)

    def process_chunk(self, chunk: Chunk) -> RunStats:
        stats = RunStats(chunks=1)
        pending: list[dict[str, Any]] = []
        if chunk.kind == "C":
            self._rebuild_contracts(list(chunk.ids), ALL_CADENCES, stats, pending)
        else:
            self._rebuild_accounts(list(chunk.ids), ALL_CADENCES, stats, pending)
        present = set(chunk.ids)
        gone = [
            m["sk"]
            for m in self.state.manifests_in_range(chunk.kind, chunk.sweep_first, chunk.sweep_end or "\U0010ffff")
            if m["sk"] not in present and (chunk.sweep_end is None or m["sk"] < chunk.sweep_end)
        ]
        if gone:
            # Rows deleted from ASPIRE: their rebuild finds nothing, so every item they had is removed.
            rebuild = self._rebuild_contracts if chunk.kind == "C" else self._rebuild_accounts
            rebuild(gone, ALL_CADENCES, stats, pending)
        self._commit(pending, stats)
        return stats

    # --- rebuilding ----------------------------------------------------------------------------------------
    def _read(self, query: str, ids: Sequence[str], stats: RunStats) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for page in self.source.stream(query, in_list_params(ids), self.page_size):
            rows.extend(page)
        stats.rows_read += len(rows)
        return rows

    def _rebuild_contracts(
        self, ids: list[str], cadences: set[Cadence], stats: RunStats, pending: list[dict[str, Any]]
    ) -> set[str]:
        """Rebuilds contracts; returns the accounts whose items depend on them (old and new role holders)."""
        touched: set[str] = set()
        for batch in _batches(ids, IN_LIST_SIZE):
            rows = {str(r["ContractId"]): r for r in self._read("contracts_by_ids", batch, stats)}
            roles = _group(self._read("roles_by_contracts", batch, stats))
            manifests = self.state.get_manifests("C", batch)
            sites = {cid: contract_site(ContractState(rows.get(cid), []), self.site_map) for cid in batch}
            # A contract that is new here or changed site needs every field, whatever this job's cadence.
            needs_all = {cid for cid in batch if "daily" in cadences or manifests.get(cid, {}).get("site") != sites[cid]
                         or cid not in manifests}  # fmt: skip
            wanted = {cid for cid in batch if sites[cid] is not None}
            incremental_ids = sorted(wanted)
            daily_ids = sorted(wanted & needs_all)
            invoices = _group(self._read("invoices_by_contracts", incremental_ids, stats)) if incremental_ids else {}
            efts = _group(self._read("efts_by_contracts", incremental_ids, stats)) if incremental_ids else {}
            if self.payments is not None and (self._eft_changes[0] or self._eft_changes[1]):
                # Only the rows this incremental run saw change: a daily run keeps none (its memory stays flat).
                changed, batches = self._eft_changes
                self._efts_seen.extend(r for rows_of in efts.values() for r in rows_of
                                       if str(r["AlternateEftId"]) in changed
                                       or str(r.get("EftBatchId") or "") in batches)  # fmt: skip
            financials: dict[str, list[dict[str, Any]]] = {}
            amortization: dict[str, list[dict[str, Any]]] = {}
            assets: dict[str, list[dict[str, Any]]] = {}
            for chunk in _batches(daily_ids, IN_LIST_SIZE):
                financials.update(_group(self._read("financials_by_contracts", chunk, stats)))
                amortization.update(_group(self._read("amortization_by_contracts", chunk, stats)))
                assets.update(_group(self._read("assets_by_contracts", chunk, stats)))
            for cid in batch:
                site = sites[cid]
                contract_cadences = ALL_CADENCES if cid in needs_all else cadences
                desired: list[DesiredItem] = []
                if site is not None:
                    state = ContractState(
                        rows[cid], roles.get(cid, []), next(iter(financials.get(cid, ())), None),
                        tuple(invoices.get(cid, ())), tuple(amortization.get(cid, ())), tuple(assets.get(cid, ())),
                        tuple(efts.get(cid, ())),
                    )  # fmt: skip
                    desired = contract_items(site, state, contract_cadences)
                old = manifests.get(cid)
                touched |= set((old or {}).get("accounts", [])) | {str(r["AccountId"]) for r in roles.get(cid, [])}
                manifest = self._apply(desired, old, contract_cadences, stats)
                accounts = sorted({str(r["AccountId"]) for r in roles.get(cid, [])})
                self._stage_manifest("C", cid, {"site": site, "accounts": accounts, **manifest}, old, pending)
                stats.contracts_rebuilt += 1
        return touched

    def _rebuild_accounts(
        self, ids: list[str], cadences: set[Cadence], stats: RunStats, pending: list[dict[str, Any]]
    ) -> None:
        for batch in _batches(ids, IN_LIST_SIZE):
            accounts = {str(r["AccountId"]): r for r in self._read("accounts_by_ids", batch, stats)}
            roles = _group(self._read("roles_by_accounts", batch, stats), "AccountId")
            contacts = _group(self._read("contacts_by_accounts", batch, stats), "AccountId")
            banks = _group(self._read("bank_accounts_by_accounts", batch, stats), "AccountId")
            manifests = self.state.get_manifests("A", batch)
            states = {aid: AccountState(accounts.get(aid), roles.get(aid, []), tuple(contacts.get(aid, ())),
                                        tuple(banks.get(aid, ()))) for aid in batch}  # fmt: skip
            site_roles = {aid: account_sites(states[aid], self.site_map) for aid in batch}
            needs_all = {aid for aid in batch if "daily" in cadences or aid not in manifests
                         or sorted(manifests[aid].get("sites", [])) != sorted(site_roles[aid])}  # fmt: skip
            daily_ids = sorted(a for a in needs_all if site_roles[a])
            locs = _group(self._read("lines_of_credit_by_accounts", daily_ids, stats), "AccountId") if daily_ids else {}
            for aid in batch:
                state = states[aid]
                state.lines_of_credit = tuple(locs.get(aid, ()))
                account_cadences = ALL_CADENCES if aid in needs_all else cadences
                desired: list[DesiredItem] = []
                key = self._fingerprint_key() if state.bank_accounts else None
                for site, site_role_rows in site_roles[aid].items():
                    desired += account_items(site, site_role_rows, state, account_cadences, fingerprint_key=key)
                if "daily" in account_cadences and site_roles[aid]:
                    desired += line_of_credit_items(state, self.site_map, set(site_roles[aid]))
                if state.account is not None and "incremental" in account_cadences:
                    desired += account_index_items(state)  # admin search + linkability facts, on any site
                old = manifests.get(aid)
                manifest = self._apply(desired, old, account_cadences, stats)
                self._stage_manifest("A", aid, {"sites": sorted(site_roles[aid]), **manifest}, old, pending)
                stats.accounts_rebuilt += 1

    def _apply(
        self, desired: list[DesiredItem], old: dict[str, Any] | None, cadences: set[Cadence], stats: RunStats
    ) -> dict[str, Any]:
        """Writes what changed, deletes what should no longer exist; returns the new manifest content."""
        old_items: dict[str, str] = dict((old or {}).get("items", {}))
        new_items: dict[str, str] = {}
        for item in desired:
            entry = f"{item.content_hash()}:{item.cadence}"
            new_items[item.ref] = entry
            if old_items.get(item.ref) != entry:
                self.writer.put(self.data_table, to_item(item.item()))
                stats.items_written += 1
        for ref, entry in old_items.items():
            if ref in new_items:
                continue
            if entry.rsplit(":", 1)[-1] not in cadences:
                new_items[ref] = entry  # owned by the other cadence and not rebuilt in this pass: keep
                continue
            pk, sk = ref.split("|", 1)
            self.writer.delete(self.data_table, key(pk, sk))
            stats.items_deleted += 1
        return {"items": new_items}

    def _stage_manifest(
        self,
        kind: str,
        entity_id: str,
        manifest: dict[str, Any],
        old: dict[str, Any] | None,
        pending: list[dict[str, Any]],
    ) -> None:
        empty = not manifest["items"]
        if old is None and empty:
            return
        comparable_old = {k: v for k, v in (old or {}).items() if k not in ("pk", "sk")}
        if comparable_old == manifest:
            return
        pending.append({"kind": kind, "id": entity_id, "manifest": None if empty else manifest})

    def _commit(self, pending: list[dict[str, Any]], stats: RunStats) -> None:
        # Items first, confirmed; manifests after: a manifest never claims an item that was not written.
        self.writer.flush()
        stats.manifests_written += len(pending)
        for entry in pending:
            if entry["manifest"] is None:
                self.writer.delete(self.state.table, self.state.manifest_key_item(entry["kind"], entry["id"]))
            else:
                self.writer.put(
                    self.state.table, self.state.manifest_item(entry["kind"], entry["id"], entry["manifest"])
                )
        self.writer.flush()
        pending.clear()


def _batches(values: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _group(rows: Iterable[dict[str, Any]], column: str = "ContractId") -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(str(row[column]), []).append(row)
    return grouped
