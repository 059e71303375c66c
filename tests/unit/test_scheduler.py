"""The local scheduler fires the same schedules as EventBridge Scheduler, in the same time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from local.scheduler import Scheduler, next_run
from portal.api.routes import SCHEDULES, Schedule

DAILY = next(s for s in SCHEDULES if s.name == "sync-daily")
INCREMENTAL = next(s for s in SCHEDULES if s.name == "sync-incremental")


def test_schedules_are_the_product_rules() -> None:
    assert INCREMENTAL.expression == "rate(15 minutes)"
    assert (DAILY.expression, DAILY.timezone) == ("cron(0 4 * * ? *)", "America/Chicago")


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
    # Given a clock we move by hand
    now = [datetime(2026, 11, 21, 9, 0, tzinfo=UTC)]
    fired: list[str] = []
    scheduler = Scheduler(lambda s: fired.append(s.name), (INCREMENTAL,), clock=lambda: now[0])
    # When the clock passes the due time and the loop body runs twice
    now[0] = datetime(2026, 11, 21, 9, 16, tzinfo=UTC)
    scheduler._stop.set()  # run the loop body without the thread
    for schedule in scheduler.schedules:
        if now[0] >= scheduler.due[schedule.name]:
            scheduler.due[schedule.name] = next_run(schedule, now[0])
            scheduler.fire(schedule)
    # Then it fired once and the next run is 15 minutes later
    assert fired == ["sync-incremental"]
    assert scheduler.due["sync-incremental"] == datetime(2026, 11, 21, 9, 31, tzinfo=UTC)


def test_unsupported_expression_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="unsupported"):
        next_run(Schedule("x", "cron(0 4 ? * MON *)", "UTC", "f"), datetime.now(UTC))
