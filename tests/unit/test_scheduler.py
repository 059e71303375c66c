"""The local scheduler fires the same schedules as EventBridge Scheduler, in the same time zone."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from local.scheduler import Scheduler, next_run
from portal.api.routes import SCHEDULES, Schedule

DAILY = next(s for s in SCHEDULES if s.name == "sync-daily")
INCREMENTAL = next(s for s in SCHEDULES if s.name == "sync-incremental")


def test_schedules_are_the_product_rules() -> None:
    # Given a whole winter day in Chicago (CST, UTC-6), from midnight local
    start = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)

    # When the runs of each schedule during that day are listed
    def runs(schedule: Schedule) -> list[datetime]:
        found, at = [], next_run(schedule, start - timedelta(seconds=1))
        while at < start + timedelta(days=1):
            found.append(at)
            at = next_run(schedule, at)
        return found

    # Then the incremental sync runs every 15 minutes (96 times) and the daily one once, at 04:00 Central
    incremental = runs(INCREMENTAL)
    assert len(incremental) == 96
    assert {b - a for a, b in itertools.pairwise(incremental)} == {timedelta(minutes=15)}
    assert runs(DAILY) == [datetime(2026, 1, 15, 10, 0, tzinfo=UTC)]


def test_daily_sync_stays_at_four_am_central_through_daylight_saving() -> None:
    # Given a winter day (CST, UTC-6) and a summer day (CDT, UTC-5)
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    # Then the next run is 04:00 local on the following day: 10:00 UTC in winter, 09:00 UTC in summer
    assert next_run(DAILY, winter) == datetime(2026, 1, 16, 10, 0, tzinfo=UTC)
    assert next_run(DAILY, summer) == datetime(2026, 7, 16, 9, 0, tzinfo=UTC)


def test_daily_sync_on_the_night_clocks_spring_forward() -> None:
    # Given the evening before DST starts (2026-03-08 02:00 local) in Chicago
    before = datetime(2026, 3, 8, 3, 0, tzinfo=UTC)  # 2026-03-07 21:00 CST
    # Then the run is at 04:00 CDT, which is 09:00 UTC
    assert next_run(DAILY, before) == datetime(2026, 3, 8, 9, 0, tzinfo=UTC)


def test_daily_sync_later_the_same_day_when_before_four() -> None:
    at_three_local = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # 03:00 CST
    assert next_run(DAILY, at_three_local) == datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def test_incremental_every_fifteen_minutes() -> None:
    now = datetime(2026, 11, 21, 9, 7, tzinfo=UTC)
    assert next_run(INCREMENTAL, now) == datetime(2026, 11, 21, 9, 22, tzinfo=UTC)


def test_scheduler_fires_a_due_schedule_once_and_moves_it_forward() -> None:
    # Given a scheduler on a clock we move by hand, whose loop makes exactly two passes without really waiting
    times = iter([datetime(2026, 11, 21, 9, 0, tzinfo=UTC)] + [datetime(2026, 11, 21, 9, 16, tzinfo=UTC)] * 2)
    passes: list[datetime] = []
    fired: list[str] = []

    def clock() -> datetime:
        passes.append(next(times))
        return passes[-1]

    class TwoPasses:  # stands in for the stop event: the loop's one-second wait is real time
        def is_set(self) -> bool:
            return len(passes) >= 3  # the constructor's read, then two loop passes

        def wait(self, _timeout: float) -> bool:
            return self.is_set()

    scheduler = Scheduler(lambda s: fired.append(s.name), (INCREMENTAL,), clock=clock)
    scheduler._stop = TwoPasses()  # type: ignore[assignment]

    # When the clock has passed the due time and the real loop makes two passes (in this thread)
    scheduler._loop()

    # Then it fired once (not on both passes) and the next run is 15 minutes after the firing
    assert len(passes) == 3
    assert fired == ["sync-incremental"]
    assert scheduler.due["sync-incremental"] == datetime(2026, 11, 21, 9, 31, tzinfo=UTC)


def test_unsupported_expression_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="unsupported"):
        next_run(Schedule("x", "cron(0 4 ? * MON *)", "UTC", "f"), datetime.now(UTC))
